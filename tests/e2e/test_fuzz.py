"""The fuzzer: Schemathesis over the served OpenAPI document, for each kind of caller, finds no server error.

Each caller fuzzes the operations its access rule lets it call (``access_rules``; the matrix proves the
refusals): the anonymous visitor (``X-Tenant-Id``), a customer, each staff role at a location with
tickets in its tray, and the admin. The phases: examples, coverage (boundary and malformed
values, wrong types, missing fields; ``make fuzz`` only), fuzzing (random valid and invalid data) and stateful
(sequences that follow the document's links: create an order, then read, pay or cancel it). The checks: no 5xx,
every error in the platform's shape (``{"error", "message"}``), invalid data refused, the documented
content type; an operation whose generated requests are all refused as invalid fails the run
(the schema must say what the API validates).

``make fuzz`` runs every phase with many more examples (``FUZZ_EXAMPLES``, ``FUZZ_PHASES``); ``make test`` runs a
few examples per operation and leaves out the coverage phase.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from access_rules import PUBLIC, RULES, SIGNED_IN, complaint
from e2e_support import eventually, issue_token
from identity_support import (
    MIRAFLORES,
    call,
    create_employee,
    invite_token,
    link_token,
    register,
    role_token,
    token_of,
    unique_email,
)

from scripts.order_driver import Staff, seed_paid_order, start_workflow, state_machine_arn

pytestmark = pytest.mark.e2e

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# make test: examples, random valid and invalid data, and link-following sequences; make fuzz adds the coverage
# phase (every boundary and malformed value of every field: thousands of requests).
FUZZ_PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing,stateful")
TENANT, HERE = MIRAFLORES, "larco"
KINDS = ("anonymous", "cliente", "cocinero", "empaquetador", "repartidor", "admin")
STAGES = {"cocinero": "COCINA", "empaquetador": "EMPAQUETAMIENTO", "repartidor": "DELIVERY"}
# They end the caller's session or account half-way through the run; the matrix calls them.
NOT_FUZZED = {("POST", "/usuarios/logout"), ("DELETE", "/perfil")}
HOOKS = Path(__file__).with_name("fuzz_checks.py")


# Operations whose requests are refused for the state they name, not their shape: their generated data
# is valid by the schema and still mostly refused (a one-time token used once, an order not in that tray).
REFUSED_FOR_STATE = {
    "POST /empleados/activar",  # 410: the invitation is unknown or used
    "POST /usuarios/verificacion",  # 410: the link is unknown or used
    "POST /usuarios/contrasena/restablecer",  # 410: the link is unknown or used
    "POST /pedidos",  # 422 unknown_item / unknown_size: the items must be on the menu, in that size
    "POST /pedidos/{order_id}/pago",  # the card token must be one Mercado Pago issued for this payment
    "POST /combos",  # 422 unknown_products: a combo names products that must exist
    "PUT /combos/{combo_id}",  # the same
    # 409 product_exists / location_exists: the coverage phase sends the same boundary ids ("0") again and
    # again, so after the first create its valid requests are refused as duplicates.
    "POST /producto",
    "POST /locales",
    # 409 already_answered: an entry is answered once, and the run's entries are few.
    "POST /reclamaciones/{numero}/respuesta",
}


def operations_of(kind: str) -> list[str]:
    """``"METHOD /path"`` of every operation the kind of caller may call."""
    rol = None if kind == "anonymous" else kind
    allowed = []
    for (method, path), rule in RULES.items():
        if (method, path) in NOT_FUZZED:
            continue
        if rule.who == PUBLIC or (rol and (rule.who == SIGNED_IN or rol in rule.who)):
            allowed.append(f"{method} {path}")
    return sorted(allowed)


def _orders_in(cloud: Any, stage: str, count: int = 2) -> list[str]:
    """Paid orders of HERE waiting in ``stage`` (moved there by the stages before it)."""
    sfn = boto3.client("stepfunctions")
    order_ids = []
    for _ in range(count):
        order_id = seed_paid_order(
            boto3.client("dynamodb"),
            cloud.table("pedidos"),
            tenant_id=TENANT,
            location_id=HERE,
            dispatch="delivery",
            customer_id=f"fuzz-{uuid.uuid4().hex[:6]}",
            customer_email="fuzz@demo.pe",
        )
        start_workflow(
            sfn, state_machine_arn(sfn), tenant_id=TENANT, order_id=order_id, location_id=HERE, dispatch="delivery"
        )
        order_ids.append(order_id)
    for before, rol in (("COCINA", "cocinero"), ("EMPAQUETAMIENTO", "empaquetador")):
        if before == stage:
            break
        _work(_staff(cloud, rol), before, order_ids)
    admin = _staff(cloud, "admin")
    eventually(lambda: all(oid in admin.queue(stage, HERE).text for oid in order_ids) or None)
    return order_ids


def _staff(cloud: Any, rol: str) -> Staff:
    subject = f"fuzz-{rol}-{uuid.uuid4().hex[:6]}"
    return Staff(
        cloud.urls.api, issue_token(cloud, TENANT, subject_id=subject, kind="employee", rol=rol, location_id=HERE)
    )


def _work(member: Staff, stage: str, order_ids: list[str]) -> None:
    for order_id in order_ids:
        eventually(lambda oid=order_id: oid in member.queue(stage).text or None)
        assert member.claim(stage, order_id).status_code == 200
        assert member.complete(stage, order_id).status_code == 200


def _caller(cloud: Any, kind: str) -> tuple[str | None, dict[str, list[str]]]:
    """The caller's session token, and the real values (ids, tokens) its requests may use."""
    values: dict[str, list[str]] = {}
    if kind == "anonymous":
        # Real one-time tokens (an invitation, a verification, a password reset), so that some requests succeed.
        admin = role_token(cloud, TENANT, "admin")
        invited = create_employee(cloud, admin, rol="cocinero", location_id=HERE)[1]
        pending, customer = unique_email("fuzz"), register(cloud, TENANT)[1]
        registration = {"email": pending, "password": "Fuzz-Clave-2026", "name": "Ana Fuzz"}
        call(cloud, "POST", "usuarios", tenant=TENANT, json=registration)
        call(cloud, "POST", "usuarios/contrasena/olvido", tenant=TENANT, json={"email": customer})
        values["tokens"] = [
            invite_token(cloud, invited),
            link_token(cloud, pending),
            link_token(cloud, customer, "restablecer"),
        ]
        return None, values
    if kind == "cliente":
        registered, email, password = register(cloud, TENANT)
        token = token_of(cloud, TENANT, email, password)
        values["customers"] = [registered["user_id"]]  # whose points the admin reads
        body = {"location_id": HERE, "dispatch": "pickup"}
        item = {"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 1}
        values["orders"] = [
            call(cloud, "POST", "pedidos", token=token, json={**body, "items": [item]}).json()["order_id"]
            for _ in range(2)
        ]
        # An entry of the Libro de Reclamaciones, which the customer reads and the admin answers.
        filed = call(cloud, "POST", "reclamaciones", token=token, json=complaint()).json()
        values["complaints"] = [str(filed["numero"])]
        return token, values
    if kind in STAGES:
        values["orders"] = _orders_in(cloud, STAGES[kind])
        return _staff(cloud, kind).token, values
    admin = _staff(cloud, "admin")
    employees = call(cloud, "GET", "empleados", token=admin.token, params={"limit": 5}).json()["items"]
    values["employees"] = [e["employee_id"] for e in employees]
    return admin.token, values


def _menu(cloud: Any) -> dict[str, list[str]]:
    products = call(cloud, "GET", "producto", tenant=TENANT, params={"limit": 50}).json()["items"]
    combos = call(cloud, "GET", "combos", tenant=TENANT, params={"limit": 50}).json()["items"]
    return {
        "products": [p["product_id"] for p in products],
        "combos": [c["combo_id"] for c in combos],
        "menu": [p["product_id"] for p in products] + [c["combo_id"] for c in combos],
        "sizes": sorted({s["size"] for item in products + combos for s in item["sizes"]}),
        "locations": ["larco", "benavides"],
        "tenants": [TENANT],
    }


# Where each kind of real value may go in a request (half the time: the other half stays random).
BINDINGS = {
    "body.items[*].item_id": "menu",
    "body.items[*].product_id": "products",
    "body.items[*].size": "sizes",
    "body.location_id": "locations",
    "body.token": "tokens",
    "path.tenant": "tenants",
    "path.product_id": "products",
    "path.combo_id": "combos",
    "path.location_id": "locations",
    "path.employee_id": "employees",
    "path.numero": "complaints",
    "path.customer_id": "customers",
    "query.location_id": "locations",
}


def primary_kind(operation: str) -> str:
    """The one kind of caller that fuzzes an operation in make test's run: its customer, its stage's role,
    else the admin; the anonymous visitor for the public operations."""
    method, path = operation.split(" ", 1)
    who = RULES[(method, path)].who
    if who == PUBLIC:
        return "anonymous"
    if who == SIGNED_IN or "cliente" in who:
        return "cliente"
    return next((rol for rol in who if rol != "admin"), "admin")


def plans() -> dict[str, dict[str, list[str]]]:
    """The fuzzer's runs: {run: {kind: operations}}. ``make fuzz`` (FUZZ_ALL_CALLERS=1): one run per kind over
    every operation it may call. ``make test``: one run, each operation by its primary kind of caller."""
    if os.environ.get("FUZZ_ALL_CALLERS") == "1":
        return {kind: {kind: operations_of(kind)} for kind in KINDS}
    by_kind: dict[str, list[str]] = {}
    for operation in sorted({op for kind in KINDS for op in operations_of(kind)}):
        by_kind.setdefault(primary_kind(operation), []).append(operation)
    return {"each-operation-as-its-caller": by_kind}


PLANS = plans()


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def _config(base_url: str, callers: dict[str, tuple[str | None, list[str]]], values: dict[str, list[str]]) -> str:
    """The run's configuration: shared real values, and per operation its caller's session and orders."""
    lines = [f'base-url = "{base_url}"', f'hooks = "{HOOKS.stem}"', "", "[headers]", f'X-Tenant-Id = "{TENANT}"']
    lines += ["", "[generation]", f"max-examples = {FUZZ_EXAMPLES}"]
    for name, entries in values.items():
        if entries:
            lines += ["", f"[dictionaries.{name}]", f"values = {_toml_list(entries)}"]
    for kind, (token, operations) in callers.items():
        bound = {key: name for key, name in BINDINGS.items() if values.get(name)}
        if values.get(f"orders_{kind}"):
            bound["path.order_id"] = f"orders_{kind}"
        for operation in operations:
            lines += ["", "[[operations]]", f'include-name = "{operation}"']
            if token:
                lines += [f'headers = {{ Authorization = "Bearer {token}" }}']
            lines += ["[operations.parameters]"]
            lines += [f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}' for key, name in bound.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("run_name", PLANS)
def test_fuzzing_finds_no_server_error(cloud, run_name: str, tmp_path: Path) -> None:
    plan = PLANS[run_name]
    values = _menu(cloud)
    callers: dict[str, tuple[str | None, list[str]]] = {}
    for kind, operations in plan.items():
        token, own = _caller(cloud, kind)
        if "orders" in own:
            own[f"orders_{kind}"] = own.pop("orders")
        values |= own
        callers[kind] = (token, operations)
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(cloud.urls.api.rstrip("/"), callers, values))
    included = [arg for operations in plan.values() for op in operations for arg in ("--include-name", op)]
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", cloud.urls.openapi,
        "--checks", "not_a_server_error,platform_error_shape,negative_data_rejection,content_type_conformance",
        "--phases", FUZZ_PHASES, "--seed", os.environ.get("FUZZ_SEED", "20261128"), "--no-color", *included,
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(HOOKS.parent), "SCHEMATHESIS_HOOKS": HOOKS.stem}
    run = subprocess.run(
        command, check=False, capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=1800
    )
    summary = run.stdout[run.stdout.rfind("SUMMARY") :] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    cases = re.search(r"(\d+) generated", run.stdout)
    counts = {kind: len(operations) for kind, operations in plan.items()}
    print(f"fuzz {run_name}: operations by caller {counts}, {cases.group(1) if cases else '?'} cases")
    assert run.returncode == 0, f"{run.stdout[-12000:]}\n{run.stderr[-2000:]}"
    assert cases, summary
    # An operation whose generated requests were all refused as invalid: its schema says less than its
    # validation does, unless what it refuses is state (a used token, an id that is not there).
    rejected = _listed_under("Schema validation mismatch", run.stdout)
    assert rejected <= REFUSED_FOR_STATE, f"the schema does not say what these validate: {rejected - REFUSED_FOR_STATE}"
    # Each caller's session reached its operations: none answered only 401/403 (but the unsigned webhook).
    refused = _listed_under("Authentication failed", run.stdout)
    assert refused <= {"POST /pagos/webhook/{tenant}"}, f"every request refused as unauthorized: {refused}"


def _listed_under(heading: str, output: str) -> set[str]:
    """The ``- METHOD /path`` items of one warning of Schemathesis's report (its groups included)."""
    start = output.find(heading)
    if start < 0:
        return set()
    found = set()
    for line in output[start:].splitlines()[1:]:
        if line and not line[0].isspace():  # the next warning, or the summary
            break
        if match := re.match(r"^\s+- ([A-Z]+ /\S*)", line):
            found.add(match.group(1))
    return found
