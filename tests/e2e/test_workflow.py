"""The order workflow over the local cloud: stage consumers, staff routes, overdue, realtime pushes.

Orders are seeded as the orders service stores a paid one and their execution is started the way
the order starter does (``scripts.order_driver``); from there everything is the platform's own.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from e2e_support import eventually, issue_token
from identity_support import call
from websockets.sync.client import connect

from scripts.order_driver import HTTP, Staff, seed_paid_order, start_workflow, state_machine_arn

pytestmark = pytest.mark.e2e
MIRAFLORES = "bembos-miraflores"
SAN_ISIDRO = "bembos-san-isidro"
ROLES = {"COCINA": "cocinero", "EMPAQUETAMIENTO": "empaquetador", "DELIVERY": "repartidor"}
TABLES = {"COCINA": "cocina", "EMPAQUETAMIENTO": "despachador", "DELIVERY": "delivery"}


def staff(cloud, tenant: str, rol: str, location: str | None = "larco", who: str | None = None) -> Staff:
    who = who or f"{rol}-{uuid.uuid4().hex[:6]}"
    token = issue_token(
        cloud, tenant, subject_id=who, kind="employee", rol=rol, **({"location_id": location} if location else {})
    )
    return Staff(cloud.urls.api, token)


def crew(cloud, tenant: str, location: str) -> dict[str, Staff]:
    return {stage: staff(cloud, tenant, rol, location) for stage, rol in ROLES.items()}


def paid_order(
    cloud, tenant: str, location: str, dispatch: str, *, customer: str = "cli-e2e", sla: dict | None = None
) -> str:
    order_id = seed_paid_order(
        boto3.client("dynamodb"),
        cloud.table("pedidos"),
        tenant_id=tenant,
        location_id=location,
        dispatch=dispatch,
        customer_id=customer,
        customer_email=f"{customer}@demo.pe",
    )
    start_workflow(
        boto3.client("stepfunctions"),
        state_machine_arn(boto3.client("stepfunctions")),
        tenant_id=tenant,
        order_id=order_id,
        location_id=location,
        dispatch=dispatch,
        sla=sla,
    )
    return order_id


def order(cloud, tenant: str, order_id: str) -> dict[str, Any]:
    from core.dynamo import from_item

    item = boto3.client("dynamodb").get_item(
        TableName=cloud.table("pedidos"),
        Key={"tenant_id": {"S": tenant}, "order_id": {"S": order_id}},
        ConsistentRead=True,
    )["Item"]
    return from_item(item)


def row(cloud, stage: str, tenant: str, order_id: str) -> dict[str, Any] | None:
    from core.dynamo import from_item

    item = (
        boto3.client("dynamodb")
        .get_item(
            TableName=cloud.table(TABLES[stage]),
            Key={"tenant_id": {"S": tenant}, "order_id": {"S": order_id}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    return from_item(item) if item else None


def in_queue(member: Staff, stage: str, order_id: str, location: str | None = None) -> dict[str, Any]:
    def probe():
        answer = member.queue(stage, location)
        assert answer.status_code == 200, answer.text
        return next((o for o in answer.json()["orders"] if o["order_id"] == order_id), None)

    return eventually(probe, timeout=40)


def reaches(cloud, tenant: str, order_id: str, estado: str, timeout: float = 40) -> dict[str, Any]:
    return eventually(lambda: (o := order(cloud, tenant, order_id))["estado_pedido"] == estado and o, timeout=timeout)


def work_stage(member: Staff, stage: str, order_id: str) -> dict[str, Any]:
    in_queue(member, stage, order_id)
    assert member.claim(stage, order_id).status_code == 200
    done = member.complete(stage, order_id)
    assert done.status_code == 200, done.text
    return done.json()


def email_notifier_wired(cloud) -> bool:
    return any(spec.handler == "notificaciones.handler.lambda_handler" for spec in cloud.assembly.functions.values())


# -- one order, end to end -----------------------------------------------------------------------------


def test_three_staff_take_a_delivery_order_from_pagado_to_entregado_with_its_timeline(cloud) -> None:
    team = crew(cloud, MIRAFLORES, "larco")
    order_id = paid_order(cloud, MIRAFLORES, "larco", "delivery")

    kitchen_view = in_queue(team["COCINA"], "COCINA", order_id)
    assert kitchen_view["status"] == "pending"
    assert kitchen_view["lines"][0]["name"] == "Hamburguesa Clásica"
    assert kitchen_view["elapsed_seconds"] >= 0
    for stage in ("COCINA", "EMPAQUETAMIENTO", "DELIVERY"):
        work_stage(team[stage], stage, order_id)

    final = reaches(cloud, MIRAFLORES, order_id, "ENTREGADO")
    timeline = [(e["estado"], e["by"].split(":")[0], e.get("note")) for e in final["history"]]
    assert timeline == [
        ("PENDIENTE_PAGO", "cliente", None),
        ("PAGADO", "mercadopago", None),
        ("COCINA", "workflow", None),
        ("COCINA", "empleado", "completado"),
        ("EMPAQUETAMIENTO", "workflow", None),
        ("EMPAQUETAMIENTO", "empleado", "completado"),
        ("DELIVERY", "workflow", None),
        ("DELIVERY", "empleado", "completado"),
        ("ENTREGADO", "workflow", None),
    ]
    assert [e.get("rol") for e in final["history"] if e.get("note")] == ["cocinero", "empaquetador", "repartidor"]
    # every time in the timeline, the workflow's ($$.State.EnteredTime) and the services', as AWS writes it
    aws_time = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    assert all(aws_time.match(e["at"]) for e in final["history"]), [e["at"] for e in final["history"]]
    sfn = boto3.client("stepfunctions")
    # the execution ends once ENTREGADO, recorded, is announced too (its last state)
    status = eventually(
        lambda: (s := sfn.describe_execution(executionArn=_execution_arn(order_id))["status"]) != "RUNNING" and s
    )
    assert status == "SUCCEEDED"
    if email_notifier_wired(cloud):
        assert eventually(lambda: any("entregado" in s for s in _subjects(cloud, "cli-e2e@demo.pe")))


def _subjects(cloud, to: str) -> list[str]:
    return [m["subject"] for m in HTTP.get(f"{cloud.urls.mailbox}api/messages", params={"to": to}).json()]


def _execution_arn(order_id: str) -> str:
    return state_machine_arn(boto3.client("stepfunctions")).replace(":stateMachine:", ":execution:") + f":{order_id}"


def test_a_pickup_order_is_entregado_after_packing(cloud) -> None:
    team = crew(cloud, MIRAFLORES, "benavides")
    order_id = paid_order(cloud, MIRAFLORES, "benavides", "pickup")

    work_stage(team["COCINA"], "COCINA", order_id)
    packed = work_stage(team["EMPAQUETAMIENTO"], "EMPAQUETAMIENTO", order_id)

    assert packed["next_estado"] == "ENTREGADO"
    final = reaches(cloud, MIRAFLORES, order_id, "ENTREGADO")
    assert "DELIVERY" not in [e["estado"] for e in final["history"]]
    assert row(cloud, "DELIVERY", MIRAFLORES, order_id) is None


def test_a_double_complete_is_a_409_with_the_reason_and_changes_nothing(cloud) -> None:
    cook = staff(cloud, MIRAFLORES, "cocinero")
    order_id = paid_order(cloud, MIRAFLORES, "larco", "delivery")
    in_queue(cook, "COCINA", order_id)
    assert cook.complete("COCINA", order_id).status_code == 200
    before = row(cloud, "COCINA", MIRAFLORES, order_id)
    packer = staff(cloud, MIRAFLORES, "empaquetador")
    in_queue(packer, "EMPAQUETAMIENTO", order_id)  # the workflow moved on (before that, a retry finishes it)

    again = cook.complete("COCINA", order_id)

    assert again.status_code == 409
    assert again.json()["error"] == "already_completed"
    assert row(cloud, "COCINA", MIRAFLORES, order_id) == before
    completions = [e for e in order(cloud, MIRAFLORES, order_id)["history"] if e.get("note") == "completado"]
    assert len(completions) == 1
    wrong_stage = staff(cloud, MIRAFLORES, "repartidor").complete("DELIVERY", order_id)
    assert wrong_stage.status_code == 409
    assert wrong_stage.json()["error"] == "not_in_stage"


def test_an_overdue_stage_reaches_the_admins_and_the_order_still_completes(cloud) -> None:
    admin = issue_token(cloud, MIRAFLORES, subject_id="adm-overdue", kind="employee", rol="admin", location_id="larco")
    sla = {"cocina": 2, "empaquetamiento": 300, "delivery": 2700}
    with connect(f"{cloud.urls.websocket}?token={admin}", open_timeout=10) as ws:
        order_id = paid_order(cloud, MIRAFLORES, "larco", "pickup", sla=sla)
        first = eventually(lambda: row(cloud, "COCINA", MIRAFLORES, order_id))
        cook = staff(cloud, MIRAFLORES, "cocinero")
        assert cook.claim("COCINA", order_id).status_code == 200

        overdue = _receive(ws, lambda m: m["type"] == "OrderOverdue" and m["order_id"] == order_id, timeout=30)
        assert overdue["estado_pedido"] == "COCINA"

    rotated = eventually(
        lambda: (r := row(cloud, "COCINA", MIRAFLORES, order_id))["task_token"] != first["task_token"] and r
    )
    assert rotated["status"] == "claimed"  # the claim survives the re-entry
    assert [e["estado"] for e in order(cloud, MIRAFLORES, order_id)["history"]].count("COCINA") == 1
    if email_notifier_wired(cloud):
        admin_email = _tenant_admin_email(MIRAFLORES)
        assert eventually(
            lambda: any(
                order_id in m["subject"]
                for m in HTTP.get(f"{cloud.urls.mailbox}api/messages", params={"to": admin_email}).json()
            )
        )
    assert cook.complete("COCINA", order_id).status_code == 200
    work_stage(staff(cloud, MIRAFLORES, "empaquetador"), "EMPAQUETAMIENTO", order_id)
    reaches(cloud, MIRAFLORES, order_id, "ENTREGADO")


def _tenant_admin_email(tenant: str) -> str:
    item = boto3.client("dynamodb").get_item(TableName="bembos-dev-tenants", Key={"tenant_id": {"S": tenant}})["Item"]
    return str(item["admin_email"]["S"]).lower()


def _receive(ws, wanted, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        if wanted(message):
            return message
    raise AssertionError("no such message")


def test_a_customer_websocket_receives_each_status_change_of_their_order(cloud) -> None:
    customer = f"cli-ws-{uuid.uuid4().hex[:6]}"
    token = issue_token(cloud, MIRAFLORES, subject_id=customer, kind="customer", rol="cliente")
    team = crew(cloud, MIRAFLORES, "benavides")
    with connect(f"{cloud.urls.websocket}?token={token}", open_timeout=10) as ws:
        order_id = paid_order(cloud, MIRAFLORES, "benavides", "pickup", customer=customer)
        seen = [_receive(ws, lambda m: m.get("order_id") == order_id, timeout=30)["estado_pedido"]]
        work_stage(team["COCINA"], "COCINA", order_id)
        seen.append(_receive(ws, lambda m: m.get("order_id") == order_id, timeout=30)["estado_pedido"])
        work_stage(team["EMPAQUETAMIENTO"], "EMPAQUETAMIENTO", order_id)
        seen.append(_receive(ws, lambda m: m.get("order_id") == order_id, timeout=30)["estado_pedido"])
    assert seen == ["COCINA", "EMPAQUETAMIENTO", "ENTREGADO"]


# -- isolation -------------------------------------------------------------------------------------------


def test_every_staff_route_keeps_tenants_roles_and_locations_apart(cloud) -> None:
    order_id = paid_order(cloud, MIRAFLORES, "larco", "delivery")
    eventually(lambda: row(cloud, "COCINA", MIRAFLORES, order_id))
    other_tenant_cook = staff(cloud, SAN_ISIDRO, "cocinero", "camino-real")
    other_location_cook = staff(cloud, MIRAFLORES, "cocinero", "benavides")
    packer = staff(cloud, MIRAFLORES, "empaquetador")
    customer = Staff(cloud.urls.api, issue_token(cloud, MIRAFLORES, subject_id="cli-x", kind="customer", rol="cliente"))

    # another tenant: its own (empty of this order) queue; the order does not exist for it
    assert order_id not in [o["order_id"] for o in other_tenant_cook.queue("COCINA").json()["orders"]]
    assert other_tenant_cook.claim("COCINA", order_id).status_code == 404
    assert other_tenant_cook.complete("COCINA", order_id).status_code == 404
    # another location of the same tenant
    assert other_location_cook.queue("COCINA", "larco").status_code == 403
    assert other_location_cook.claim("COCINA", order_id).status_code == 403
    assert other_location_cook.complete("COCINA", order_id).status_code == 403
    # another role, a customer, no session
    for path in ("cocina", "empaquetamiento", "delivery"):
        stage = {"cocina": "COCINA", "empaquetamiento": "EMPAQUETAMIENTO", "delivery": "DELIVERY"}[path]
        assert customer.queue(stage).status_code == 403
        assert customer.claim(stage, order_id).status_code == 403
        assert customer.complete(stage, order_id).status_code == 403
        assert HTTP.get(f"{cloud.urls.api}{path}").status_code == 401
        assert HTTP.post(f"{cloud.urls.api}{path}/{order_id}/completar").status_code == 401
    assert packer.queue("COCINA").status_code == 403
    assert packer.claim("COCINA", order_id).status_code == 403
    assert packer.complete("COCINA", order_id).status_code == 403
    assert staff(cloud, MIRAFLORES, "repartidor").complete("COCINA", order_id).status_code == 403
    assert staff(cloud, MIRAFLORES, "cocinero").queue("EMPAQUETAMIENTO").status_code == 403
    # nothing changed; an admin of the tenant may act at any location
    assert row(cloud, "COCINA", MIRAFLORES, order_id)["status"] == "pending"
    admin = staff(cloud, MIRAFLORES, "admin", location=None)
    assert in_queue(admin, "COCINA", order_id, "larco")
    other_admin = staff(cloud, SAN_ISIDRO, "admin", location=None)
    assert order_id not in [o["order_id"] for o in other_admin.queue("COCINA", "larco").json()["orders"]]
    assert other_admin.complete("COCINA", order_id).status_code == 404
    assert admin.complete("COCINA", order_id).status_code == 200


# -- many orders at once ----------------------------------------------------------------------------------

LOCATIONS = [
    (MIRAFLORES, "larco", "delivery"),
    (MIRAFLORES, "benavides", "pickup"),
    (SAN_ISIDRO, "camino-real", "delivery"),
]


def _work_location(cloud, tenant: str, location: str, expected: set[str], completions: dict[str, list[str]]) -> None:
    """The location's staff take the oldest order of their tray, again and again, until all are done."""
    team = crew(cloud, tenant, location)
    pending = {stage: set(expected) for stage in ROLES}
    _, _, dispatch = next(entry for entry in LOCATIONS if entry[1] == location)
    if dispatch == "pickup":
        pending["DELIVERY"] = set()
    deadline = time.monotonic() + 240
    while any(pending.values()):
        assert time.monotonic() < deadline, f"{location}: still waiting {pending}"
        progressed = False
        for stage in ("DELIVERY", "EMPAQUETAMIENTO", "COCINA"):
            listed = [o for o in team[stage].queue(stage).json()["orders"] if o["order_id"] in pending[stage]]
            assert [o["enqueued_at"] for o in listed] == sorted(o["enqueued_at"] for o in listed)
            if listed:
                oldest = listed[0]["order_id"]
                answer = team[stage].complete(stage, oldest)
                assert answer.status_code == 200, answer.text
                pending[stage].discard(oldest)
                completions[f"{location}/{stage}"].append(oldest)
                progressed = True
        if not progressed:
            time.sleep(0.2)


def test_six_concurrent_orders_across_two_tenants_reach_entregado_exactly_once_in_fifo_order(cloud) -> None:
    # (six, two per location tray: the rush-hour volume is `make load`'s subject, which CI runs with 50 orders)
    plan = [LOCATIONS[i % len(LOCATIONS)] for i in range(6)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda p: (p, paid_order(cloud, p[0], p[1], p[2], customer="cli-load")), plan))
    by_location: dict[str, set[str]] = defaultdict(set)
    for (tenant, location, _), order_id in ids:
        by_location[f"{tenant}/{location}"].add(order_id)
    completions: dict[str, list[str]] = defaultdict(list)
    errors: list[BaseException] = []

    def worker(tenant: str, location: str) -> None:
        try:
            _work_location(cloud, tenant, location, by_location[f"{tenant}/{location}"], completions)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t, loc)) for t, loc, _ in LOCATIONS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]

    for (tenant, _location, dispatch), order_id in ids:
        final = reaches(cloud, tenant, order_id, "ENTREGADO", timeout=60)
        estados = [e["estado"] for e in final["history"] if e["by"] == "workflow"]
        stages = ["COCINA", "EMPAQUETAMIENTO"] + (["DELIVERY"] if dispatch == "delivery" else [])
        assert estados == [*stages, "ENTREGADO"], (order_id, estados)  # each change exactly once
    # FIFO per location queue: the consumer recorded each location's kitchen entries in the order they were
    # sent (the local SQS's sequence numbers are random, so its send timestamps order them; ties stay unordered)
    for key, orders in by_location.items():
        tenant, _ = key.split("/")
        rows = [row(cloud, "COCINA", tenant, oid) for oid in orders]
        histories = {oid: order(cloud, tenant, oid)["history"] for oid in orders}
        recorded = {oid: next(e["at"] for e in histories[oid] if e["estado"] == "COCINA") for oid in orders}
        by_sending = sorted(rows, key=lambda r: (r["sent_timestamp"], recorded[r["order_id"]]))
        times = [recorded[r["order_id"]] for r in by_sending]
        assert times == sorted(times), key


def test_an_order_nobody_completes_is_handed_to_the_admins_as_abandoned_after_the_alert_limit(cloud) -> None:
    from workflow.order_workflow import MAX_OVERDUE_ALERTS

    sla = {"cocina": 1, "empaquetamiento": 300, "delivery": 2700}
    order_id = paid_order(cloud, MIRAFLORES, "larco", "pickup", sla=sla)
    sfn = boto3.client("stepfunctions")
    arn = state_machine_arn(sfn).replace(":stateMachine:", ":execution:") + f":{order_id}"

    failed = eventually(lambda: sfn.describe_execution(executionArn=arn)["status"] == "FAILED", timeout=120)

    assert failed
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    assert entered.count("COCINA vencido") == MAX_OVERDUE_ALERTS  # each alert once, then no more
    assert "COCINA: abandonado" in entered and entered[-1] == "Fallido"
    assert order(cloud, MIRAFLORES, order_id)["estado_pedido"] == "COCINA"  # left for an admin to decide
    # and the admin can cancel it: no workflow holds it any more, so the cancel is recorded by the orders service
    token = issue_token(cloud, MIRAFLORES, subject_id="adm-e2e", kind="employee", rol="admin")
    reason = {"reason": "Abandonado en cocina"}
    cancelled = call(cloud, "POST", f"pedidos/{order_id}/cancelar", token=token, json=reason)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["estado_pedido"] == "CANCELADO"
    assert order(cloud, MIRAFLORES, order_id)["estado_pedido"] == "CANCELADO"
