"""What every function writes for whoever runs the platform: log keys, the correlation id, business metrics.

Log lines are read from the Powertools logger's own formatter (into a buffer); metric lines from stdout (capsys),
where Lambda's runtime sends them to CloudWatch Logs.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from queue_events import Context, sqs_batch

from core import contracts
from core.observability import about_order, logger, order_scope, record_keys, tenant_metric
from realtime import notifier
from realtime import runtime as realtime_runtime
from realtime.dal import ConnectionGone

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """The JSON lines the Powertools logger writes (its own formatter, into a buffer)."""
    logger.clear_state()  # what an earlier test's handler left on the process's logger (its last invocation's keys)
    logger.set_correlation_id(None)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)  # the handler Powertools made holds the real stdout
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logger._logger.removeHandler(handler)


def _line(lines: list[dict[str, Any]], message: str) -> dict[str, Any]:
    found = [line for line in lines if line["message"] == message]
    assert len(found) == 1, (message, lines)
    return found[0]


# -- a queue consumer: each record's keys, then nothing of them -----------------------------------------------------


class GoneConnections:
    """Every connection of a topic has gone away: the notifier says so once per connection (a line per record)."""

    def __init__(self, failing_tenant: str | None = None) -> None:
        self.failing_tenant = failing_tenant

    def connections(self, topic: str) -> list[tuple[str, str]]:
        if topic.startswith(f"{self.failing_tenant}#"):
            raise RuntimeError("DynamoDB is throttling")
        return [(topic.split("#", 1)[0], f"conn-{topic}")] if topic.endswith("#admin") else []

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        raise ConnectionGone(connection_id)

    def forget(self, tenant_id: str, connection_id: str) -> None:
        pass

    def customer_of(self, tenant_id: str, order_id: str) -> str | None:
        return None


def _event(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"ev-{detail.get('order_id', 'x')}", "detail-type": detail_type, "detail": detail}


ORDER_A = {"tenant_id": "tenant-a", "order_id": "ord-a1", "location_id": "l1", "estado_pedido": "COCINA"}


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def use(failing_tenant: str | None = None) -> None:
        monkeypatch.setattr(realtime_runtime, "connections", lambda: GoneConnections(failing_tenant))

    return use


def test_a_consumer_record_writes_its_tenant_and_order_and_the_next_record_of_another_tenant_does_not(
    log_lines: Lines, connections: Callable[..., None]
) -> None:
    # Given a batch: an order event of tenant A, then an event of tenant B that names no order
    connections()
    batch = sqs_batch(
        _event(contracts.ORDER_STATUS_CHANGED, ORDER_A),
        _event(contracts.CUSTOMER_REGISTERED, {"tenant_id": "tenant-b", "customer_id": "c-1"}),
    )
    # When the realtime notifier handles it (its entry point, as Lambda calls it)
    assert notifier.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    logger.info("after the batch")
    lines = log_lines()
    # Then the first record's line names tenant A and its order, the order being the correlation id
    first = _line(lines, "connection gone: forgotten")
    assert (first["tenant_id"], first["order_id"], first["correlation_id"]) == ("tenant-a", "ord-a1", "ord-a1")
    # and the second record's line names tenant B and no order: nothing of the first record is left
    second = _line(lines, "not an order event")
    assert second["tenant_id"] == "tenant-b"
    assert "order_id" not in second
    assert "correlation_id" not in second
    # and after the batch, no record's keys remain
    after = _line(lines, "after the batch")
    assert not {"tenant_id", "order_id", "correlation_id"} & set(after)


def test_a_failed_record_is_logged_with_its_keys_and_only_it_comes_back(
    log_lines: Lines, connections: Callable[..., None]
) -> None:
    connections(failing_tenant="tenant-b")
    order_b = {**ORDER_A, "tenant_id": "tenant-b", "order_id": "ord-b1"}
    batch = sqs_batch(_event(contracts.ORDER_STATUS_CHANGED, order_b), _event(contracts.ORDER_STATUS_CHANGED, ORDER_A))
    assert notifier.lambda_handler(batch, Context()) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    failure = _line(log_lines(), "record failed: the queue delivers it again")
    assert (failure["tenant_id"], failure["order_id"], failure["correlation_id"]) == ("tenant-b", "ord-b1", "ord-b1")
    assert failure["level"] == "WARNING"
    assert "DynamoDB is throttling" in failure["exception"]


def test_an_invocation_starts_without_the_keys_the_previous_one_appended(
    log_lines: Lines, connections: Callable[..., None]
) -> None:
    connections()
    logger.append_keys(tenant_id="tenant-of-the-last-invocation")  # e.g. the authorizer's, in a warm container
    notifier.lambda_handler(sqs_batch(_event("Unknown", {"tenant_id": "tenant-c"})), Context())
    logger.info("after the invocation")
    assert "tenant_id" not in _line(log_lines(), "after the invocation")


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ('{"tenant_id": "t", "order_id": "o", "task_token": "x"}', {"tenant_id": "t", "order_id": "o"}),  # workflow
        ('{"detail-type": "X", "detail": {"tenant_id": "t", "order_id": "o"}}', {"tenant_id": "t", "order_id": "o"}),
        (  # an EventBridge event: its id too (the e-mail notifier's log lines name the event they are about)
            '{"id": "ev-1", "detail": {"tenant_id": "t", "order_id": "o"}}',
            {"tenant_id": "t", "order_id": "o", "event_id": "ev-1"},
        ),
        ('{"detail": {"tenant_id": "t", "employee_id": "e"}}', {"tenant_id": "t"}),  # an identity event
        ('{"tenant_id": 7}', {}),
        ("not json", {}),
        ("[1, 2]", {}),
    ],
)
def test_a_record_names_its_tenant_and_order_in_its_body_or_its_events_detail(body: str, keys: dict[str, str]) -> None:
    assert record_keys(body) == keys


def test_an_order_learnt_of_midway_names_the_rest_of_the_lines_and_leaves_with_its_scope(log_lines: Lines) -> None:
    # A request that creates an order or settles a payment learns of its order on the way (POST /pedidos, the
    # webhook): from then on its lines carry it, as the correlation id too; a record's scope takes both away.
    logger.set_correlation_id("api-request-1")
    with order_scope({"tenant_id": "t"}):
        logger.info("before")
        about_order("pedido-9")
        logger.info("after")
    logger.info("outside")
    lines = log_lines()
    assert "order_id" not in _line(lines, "before") and _line(lines, "before")["correlation_id"] == "api-request-1"
    after = _line(lines, "after")
    assert (after["order_id"], after["correlation_id"]) == ("pedido-9", "pedido-9")
    outside = _line(lines, "outside")
    assert "order_id" not in outside and outside["correlation_id"] == "api-request-1"
    logger.set_correlation_id(None)


# -- business metrics -----------------------------------------------------------------------------------------------


def _emf(out: str) -> list[dict[str, Any]]:
    return [line for line in map(json.loads, out.splitlines()) if "_aws" in line]


def test_a_business_metric_is_the_platforms_total_and_the_tenants(capsys: pytest.CaptureFixture[str]) -> None:
    tenant_metric(contracts.METRIC_STAGE_SECONDS, "tenant-a", 420.5, "Seconds", dimensions={"stage": "COCINA"})
    (line,) = _emf(capsys.readouterr().out)
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["stage"], ["stage", "tenant_id"]]
    assert directive["Metrics"] == [{"Name": "StageSeconds", "Unit": "Seconds"}]
    assert (line["stage"], line["tenant_id"], line["StageSeconds"]) == ("COCINA", "tenant-a", [420.5])


def test_a_metric_without_a_dimension_of_its_own_has_the_bare_total(capsys: pytest.CaptureFixture[str]) -> None:
    tenant_metric(contracts.METRIC_ORDERS_CREATED, "tenant-a")
    (line,) = _emf(capsys.readouterr().out)
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[], ["tenant_id"]]
    assert "service" not in line  # the same metric whichever function reports the fact


def test_a_stage_without_the_tenant_dimension_keeps_the_tenant_as_a_property(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TENANT_DIMENSION", "false")
    tenant_metric(contracts.METRIC_ORDERS_CREATED, "tenant-a")
    (line,) = _emf(capsys.readouterr().out)
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert line["tenant_id"] == "tenant-a"  # for Logs Insights, not a metric of its own


def test_only_the_first_invocation_of_a_container_writes_a_cold_start(
    capsys: pytest.CaptureFixture[str], connections: Callable[..., None]
) -> None:
    from aws_lambda_powertools.metrics.provider import cold_start

    connections()
    cold_start.is_cold_start = True
    for _ in range(2):
        notifier.lambda_handler(sqs_batch(_event("Unknown", {"tenant_id": "tenant-c"})), Context())
    lines = _emf(capsys.readouterr().out)
    assert [line["function_name"] for line in lines if "ColdStart" in line] == [Context.function_name]
