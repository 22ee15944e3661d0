"""The REST resolver's request middleware: the caller resolved once, role checks per route, log keys."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Path
from rest_events import rest_event

from core import principal as principal_module
from core.api import create_resolver, idempotency_key, public_tenant
from core.observability import logger
from core.principal import Principal, caller, requires

OrderId = Annotated[str, Path(pattern=r"^[a-z0-9-]+$")]  # a string annotation, resolved by Powertools
COOK = {"tenant_id": "tenant-a", "subject_id": "emp-1", "kind": "employee", "rol": "cocinero", "location_id": "l1"}
ADMIN = {**COOK, "subject_id": "emp-9", "rol": "admin"}
CUSTOMER = {"tenant_id": "tenant-a", "subject_id": "cus-1", "kind": "customer", "rol": "cliente"}

app = create_resolver("test")


@app.get("/cocina/<order_id>", middlewares=requires("cocinero"))
def kitchen_order(order_id: OrderId) -> dict[str, Any]:
    logger.info("reading the order")
    return {"order_id": order_id, "by": caller(app).subject_id}


@app.get("/pedidos/<order_id>/falla", middlewares=requires("cliente"))
def failing_order(order_id: OrderId) -> dict[str, Any]:
    raise RuntimeError("the table is gone")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An entry point as every REST function's: API Gateway's request id is the correlation id by default."""
    return app.resolve(event, context)


class Context:
    function_name = "bembos-test-api"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bembos-test-api"
    aws_request_id = "lambda-req-1"


@app.get("/pedidos", middlewares=requires("cliente"))
def my_orders() -> dict[str, Any]:
    return {"by": caller(app).subject_id}


@app.get("/carta")
def public_menu() -> dict[str, Any]:
    logger.info("reading the menu")
    return {"tenant": public_tenant(app)}


@app.get("/clave")
def request_key() -> dict[str, Any]:
    return {"key": idempotency_key(app)}


@app.get("/sesion")
def session() -> dict[str, Any]:
    return caller(app).model_dump()


def call(path: str, principal: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
    response = app.resolve(rest_event("GET", path, principal=principal, headers=headers), None)  # type: ignore[arg-type]
    return response["statusCode"], json.loads(response["body"])


def test_a_role_reaches_its_own_route_with_the_caller_resolved() -> None:
    assert call("/cocina/ord-1", COOK) == (200, {"order_id": "ord-1", "by": "emp-1"})


def test_the_caller_is_resolved_once_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = Principal.from_context.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Principal], context: Any) -> Principal | None:
        calls.append(context)
        return original(cls, context)

    monkeypatch.setattr(principal_module.Principal, "from_context", classmethod(counting))
    assert call("/cocina/ord-1", COOK)[0] == 200  # the role check and the route both read the caller
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("path", "principal", "status", "error"),
    [
        ("/cocina/ord-1", None, 401, "unauthenticated"),
        ("/cocina/ord-1", CUSTOMER, 403, "forbidden"),
        ("/cocina/ord-1", {**COOK, "rol": "repartidor"}, 403, "forbidden"),
        ("/pedidos", ADMIN, 403, "forbidden"),  # admins pass staff checks, never a customer's
        ("/sesion", None, 401, "unauthenticated"),
    ],
)
def test_callers_outside_the_route_roles_are_refused(path: str, principal: Any, status: int, error: str) -> None:
    answer = call(path, principal)
    assert answer[0] == status
    assert answer[1]["error"] == error


def test_an_admin_passes_a_staff_check() -> None:
    assert call("/cocina/ord-1", ADMIN) == (200, {"order_id": "ord-1", "by": "emp-9"})


@pytest.fixture
def log_lines() -> Iterator[Callable[[], dict[str, dict[str, Any]]]]:
    """The JSON lines the Powertools logger writes, by message (its own formatter, into a buffer)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)  # the handler Powertools made holds the real stdout
    try:
        yield lambda: {line["message"]: line for line in map(json.loads, buffer.getvalue().splitlines())}
    finally:
        logger._logger.removeHandler(handler)


def test_the_log_lines_carry_the_tenant_and_the_order(log_lines: Callable[[], dict[str, dict[str, Any]]]) -> None:
    call("/cocina/ord-7", COOK)
    call("/carta", headers={"X-Tenant-Id": "tenant-b"})
    lines = log_lines()
    order_line, menu_line = lines["reading the order"], lines["reading the menu"]
    assert (order_line["tenant_id"], order_line["order_id"]) == ("tenant-a", "ord-7")
    assert menu_line["tenant_id"] == "tenant-b"
    assert "order_id" not in menu_line


def test_the_log_keys_do_not_outlive_their_request(log_lines: Callable[[], dict[str, dict[str, Any]]]) -> None:
    call("/cocina/ord-7", COOK)
    logger.info("between requests")
    line = log_lines()["between requests"]
    assert "tenant_id" not in line
    assert "order_id" not in line


def test_an_orders_request_is_correlated_by_the_order_and_others_by_the_request(
    log_lines: Callable[[], dict[str, dict[str, Any]]],
) -> None:
    order_request = rest_event("GET", "/cocina/ord-7", principal=COOK)
    menu_request = rest_event("GET", "/carta", headers={"X-Tenant-Id": "tenant-b"})
    lambda_handler(order_request, Context())
    lambda_handler(menu_request, Context())
    lines = log_lines()
    order_line, menu_line = lines["reading the order"], lines["reading the menu"]
    assert order_line["correlation_id"] == "ord-7"
    assert order_line["request_id"] == order_request["requestContext"]["requestId"]  # API Gateway's, to its access log
    assert menu_line["correlation_id"] == menu_request["requestContext"]["requestId"]
    assert "request_id" not in menu_line


def test_an_unexpected_error_is_logged_with_the_requests_tenant_and_order(
    log_lines: Callable[[], dict[str, dict[str, Any]]],
) -> None:
    assert call("/pedidos/ord-9/falla", CUSTOMER)[0] == 500
    line = log_lines()["unexpected error"]
    assert (line["tenant_id"], line["order_id"], line["correlation_id"]) == ("tenant-a", "ord-9", "ord-9")
    assert "the table is gone" in line["exception"]
    logger.info("after the failed request")
    assert "order_id" not in log_lines()["after the failed request"]


@pytest.mark.parametrize(
    ("headers", "answer"),
    [
        ({}, (200, {"key": None})),
        ({"idempotency-key": "pedido-2026:11.28_a"}, (200, {"key": "pedido-2026:11.28_a"})),
        ({"Idempotency-Key": "x" * 64}, (200, {"key": "x" * 64})),
    ],
)
def test_the_idempotency_key_is_read_in_any_case_and_is_optional(headers: dict[str, str], answer: Any) -> None:
    assert call("/clave", headers=headers) == answer


@pytest.mark.parametrize("key", ["short", "x" * 65, "with space", "reclamo/0001", "reclamo-0001\n"])
def test_a_malformed_idempotency_key_is_a_422(key: str) -> None:
    status, body = call("/clave", headers={"Idempotency-Key": key})
    assert (status, body["error"]) == (422, "validation_failed")
    assert "Idempotency-Key" in body["message"]


def test_an_unknown_role_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        requires("chef")
