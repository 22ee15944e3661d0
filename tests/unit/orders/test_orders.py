"""Creating, pricing, reading and starting orders against moto tables; AWS calls counted per action."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from orders_support import TABLES, TENANT, CallCounter

from core import contracts
from core.clock import iso
from core.dynamo import to_item
from core.errors import Conflict, DependencyFailed, NotFound, ValidationFailed
from core.orders import HistoryEntry
from core.principal import Principal
from core.tenant_config import TenantConfigs
from pagos.settlement import DynamoSettlementStore, PaymentFacts, settle
from pedidos import logic
from pedidos.dal import OrdersDal
from pedidos.models import CancelOrder, CreateOrder

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)  # stored as 2026-05-01T12:00:00.000Z
CUSTOMER = Principal(tenant_id=TENANT, subject_id="cust-1", kind="customer", rol="cliente")


def body(**overrides: Any) -> CreateOrder:
    values: dict[str, Any] = {
        "location_id": "larco",
        "dispatch": "delivery",
        "address": "Av. Pardo 620",
        "items": [{"kind": "producto", "item_id": "clasica", "size": "grande", "quantity": 2}],
    }
    values.update(overrides)
    return CreateOrder.model_validate(values)


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    def publish(self, *args: Any) -> None:
        self.messages.append(args)


class ScheduledReviews:
    """The payment review queue (``pagos.reconciliation.ReviewQueue``): what was asked for, and how much later."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[str, str, int, bool]] = []

    def schedule(self, tenant_id: str, order_id: str, *, delay_seconds: int, timer: bool) -> None:
        self.scheduled.append((tenant_id, order_id, delay_seconds, timer))


REVIEWS = ScheduledReviews()  # for the tests that do not look at the reviews


class FakeWorkflow:
    def __init__(self) -> None:
        self.started: dict[str, Any] = {}

    def start(self, order_id: str, execution_input: Any) -> bool:
        if order_id in self.started:
            return False
        self.started[order_id] = execution_input
        return True


def test_order_is_priced_from_the_catalog_and_stored_pending_payment(dal: OrdersDal) -> None:
    order, created = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)

    assert created
    assert (order.subtotal_cents, order.delivery_fee_cents, order.total_cents) == (3980, 500, 4480)
    stored = dal.get_order(TENANT, order.order_id)
    assert stored is not None and stored.estado_pedido == "PENDIENTE_PAGO"
    assert stored.customer_email == "ana@example.pe"
    assert [h.estado for h in stored.history] == ["PENDIENTE_PAGO"]


def test_each_line_keeps_the_points_per_unit_the_menu_promised_when_the_order_was_created(
    dal: OrdersDal, dynamodb: Any
) -> None:
    sizes = [{"size": "regular", "price_cents": 1590}]
    for table, key in ((TABLES.products, "product_id"), (TABLES.combos, "combo_id")):
        item = {"tenant_id": TENANT, key: "con-puntos", "name": "Con puntos", "sizes": sizes, "points": 12}
        dynamodb.put_item(TableName=table, Item=to_item(item))
    items = [
        {"kind": "producto", "item_id": "con-puntos", "size": "regular", "quantity": 3},
        {"kind": "combo", "item_id": "con-puntos", "size": "regular", "quantity": 1},
        {"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 1},  # a product without points
    ]
    order, _ = logic.create_order(CUSTOMER, body(items=items), None, dal=dal, reviews=REVIEWS, now=NOW)
    # The menu changes afterwards: the order keeps what it promised.
    dynamodb.update_item(
        TableName=TABLES.products,
        Key=to_item({"tenant_id": TENANT, "product_id": "con-puntos"}),
        UpdateExpression="SET points = :p",
        ExpressionAttributeValues={":p": {"N": "50"}},
    )

    stored = dal.get_order(TENANT, order.order_id)
    assert stored is not None
    assert [(line.item_id, line.quantity, line.points) for line in stored.items] == [
        ("con-puntos", 3, 12),
        ("con-puntos", 1, 12),
        ("clasica", 1, 0),
    ]


def test_pickup_has_no_delivery_fee_and_no_address(dal: OrdersDal) -> None:
    order, _ = logic.create_order(
        CUSTOMER, body(dispatch="pickup", address="x y z w"), None, dal=dal, reviews=REVIEWS, now=NOW
    )

    assert (order.delivery_fee_cents, order.address) == (0, None)


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"items": [{"kind": "producto", "item_id": "nope", "size": "regular", "quantity": 1}]}, ValidationFailed,
         "unknown_item"),
        ({"items": [{"kind": "producto", "item_id": "archivada", "size": "regular", "quantity": 1}]}, ValidationFailed,
         "unknown_item"),
        ({"items": [{"kind": "producto", "item_id": "agotada", "size": "regular", "quantity": 1}]}, Conflict,
         "item_unavailable"),
        ({"items": [{"kind": "producto", "item_id": "sin-larco", "size": "regular", "quantity": 1}]}, Conflict,
         "item_unavailable"),
        ({"items": [{"kind": "producto", "item_id": "clasica", "size": "mega", "quantity": 1}]}, ValidationFailed,
         "unknown_size"),
        ({"items": [{"kind": "combo", "item_id": "combo-1", "size": "regular", "quantity": 3}]}, Conflict,
         "out_of_stock"),
        ({"location_id": "cerrado", "dispatch": "pickup", "address": None}, Conflict, "location_paused"),
        ({"location_id": "benavides"}, ValidationFailed, "dispatch_not_offered"),
        ({"location_id": "nowhere"}, NotFound, "location_not_found"),
    ],
)  # fmt: skip
def test_bad_orders_are_refused_and_write_nothing(
    dal: OrdersDal, dynamodb: Any, overrides: dict[str, Any], error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as raised:
        logic.create_order(CUSTOMER, body(**overrides), None, dal=dal, reviews=REVIEWS, now=NOW)

    assert raised.value.code == code  # type: ignore[attr-defined]
    assert dynamodb.scan(TableName=dal.tables.orders)["Count"] == 0


@pytest.mark.parametrize(
    "values",
    [
        {"items": [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 0}]},
        {"items": [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 51}]},
        {"items": [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 1, "price_cents": 1}]},
        {"items": [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 1, "notes": "x" * 201}]},
        {"total_cents": 1},
        {"tenant_id": "tenant-b"},
        {"address": None},
    ],
)
def test_the_request_model_refuses_client_prices_and_bad_quantities(values: dict[str, Any]) -> None:
    base = body().model_dump()
    with pytest.raises(ValueError):
        CreateOrder.model_validate({**base, **values})


def test_idempotency_key_replays_the_order_without_a_second_write(dal: OrdersDal, dynamodb: Any) -> None:
    first, created = logic.create_order(CUSTOMER, body(), "key-12345678", dal=dal, reviews=REVIEWS, now=NOW)
    again, created_again = logic.create_order(CUSTOMER, body(), "key-12345678", dal=dal, reviews=REVIEWS, now=NOW)

    assert (created, created_again) == (True, False)
    assert again.order_id == first.order_id
    assert dynamodb.scan(TableName=dal.tables.orders)["Count"] == 2  # the order and its key record
    with pytest.raises(Conflict) as raised:
        logic.create_order(CUSTOMER, body(dispatch="pickup"), "key-12345678", dal=dal, reviews=REVIEWS, now=NOW)
    assert raised.value.code == "idempotency_key_reused"


def test_a_new_order_counts_once_in_orders_created(dal: OrdersDal, capsys: pytest.CaptureFixture[str]) -> None:
    logic.create_order(CUSTOMER, body(), "key-12345678", dal=dal, reviews=REVIEWS, now=NOW)
    logic.create_order(CUSTOMER, body(), "key-12345678", dal=dal, reviews=REVIEWS, now=NOW)  # the same request again

    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(m["tenant_id"], m[contracts.METRIC_ORDERS_CREATED]) for m in metrics] == [(TENANT, [1.0])]


def test_a_concurrent_retry_losing_the_key_race_gets_the_winners_order(dal: OrdersDal) -> None:
    winner, _ = logic.create_order(CUSTOMER, body(), "key-racing-1", dal=dal, reviews=REVIEWS, now=NOW)
    original = dal.idempotency_record
    dal.idempotency_record = lambda *args: None  # type: ignore[method-assign]  # it looked before the winner wrote

    loser, created = logic.create_order(CUSTOMER, body(), "key-racing-1", dal=dal, reviews=REVIEWS, now=NOW)

    dal.idempotency_record = original  # type: ignore[method-assign]
    assert not created and loser.order_id == winner.order_id


def test_other_customers_and_tenants_do_not_see_the_order(dal: OrdersDal) -> None:
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    neighbour = Principal(tenant_id=TENANT, subject_id="cust-2", kind="customer", rol="cliente")
    other_tenant = Principal(tenant_id="tenant-b", subject_id="adm", kind="employee", rol="admin")
    cook_elsewhere = Principal(tenant_id=TENANT, subject_id="e", kind="employee", rol="cocinero", location_id="x")

    for principal in (neighbour, other_tenant, cook_elsewhere):
        with pytest.raises(NotFound):
            logic.get_order(principal, order.order_id, dal=dal)
    admin = Principal(tenant_id=TENANT, subject_id="adm", kind="employee", rol="admin")
    assert logic.get_order(admin, order.order_id, dal=dal).order_id == order.order_id


def test_customer_orders_are_listed_newest_first_and_a_foreign_cursor_is_refused(dal: OrdersDal) -> None:
    ids = [
        logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW + timedelta(seconds=i))[0].order_id
        for i in range(3)
    ]

    page = logic.list_orders(CUSTOMER, limit=2, cursor=None, dal=dal)
    rest = logic.list_orders(CUSTOMER, limit=2, cursor=page.next_cursor, dal=dal)

    assert [o.order_id for o in page.items + rest.items] == list(reversed(ids))
    neighbour = Principal(tenant_id=TENANT, subject_id="cust-2", kind="customer", rol="cliente")
    with pytest.raises(ValidationFailed):
        logic.list_orders(neighbour, limit=2, cursor=page.next_cursor, dal=dal)


def test_aws_calls_per_action(dal: OrdersDal, dynamodb: Any, counter: CallCounter) -> None:
    """Measured: create = 2 (BatchGetItem + PutItem), with a key 3; a webhook approval 2 + SNS; start 4."""
    logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    assert dict(counter.calls) == {"BatchGetItem": 1, "PutItem": 1}

    counter.reset()
    order, _ = logic.create_order(CUSTOMER, body(), "key-measured", dal=dal, reviews=REVIEWS, now=NOW)
    assert dict(counter.calls) == {"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}

    counter.reset()
    topic, bus = Recorder(), Recorder()
    facts = PaymentFacts(payment_id="77", status="approved", amount_cents=4480, currency="PEN",
                         external_reference=f"{TENANT}:{order.order_id}")  # fmt: skip
    store = DynamoSettlementStore(dynamodb, dal.tables.orders)
    assert settle(TENANT, facts, store=store, topic=topic, bus=bus, now=NOW) == "published"
    assert dict(counter.calls) == {"UpdateItem": 2}  # + 1 SNS Publish (the topic)
    assert len(topic.messages) == 1

    counter.reset()
    assert settle(TENANT, facts, store=store, topic=topic, bus=bus, now=NOW) == "duplicate"
    assert dict(counter.calls) == {"UpdateItem": 1} and len(topic.messages) == 1

    counter.reset()
    tenants = TenantConfigs(dynamodb, dal.tables.tenants)
    workflow = FakeWorkflow()
    message = logic.PaymentApprovedMessage(tenant_id=TENANT, order_id=order.order_id, location_id="larco",
                                           payment_id="77")  # fmt: skip
    assert logic.start_paid_order(message, dal=dal, workflow=workflow, tenants=tenants, bus=bus, now=NOW) == "started"  # type: ignore[arg-type]
    assert dict(counter.calls) == {"UpdateItem": 2, "GetItem": 1}  # + StartExecution + PutEvents; tenant cached
    assert workflow.started[order.order_id]["sla"] == {"cocina": 900, "empaquetamiento": 300, "delivery": 2700}
    receipt = bus.messages[-1][2]["receipt"]
    assert receipt["total_cents"] == 4480 and receipt["payment_id"] == "77"

    counter.reset()
    again = logic.start_paid_order(message, dal=dal, workflow=workflow, tenants=tenants, bus=bus, now=NOW)  # type: ignore[arg-type]
    assert again == "duplicate"
    assert dict(counter.calls) == {"UpdateItem": 1}  # no second receipt, no second execution
    stored = dal.get_order(TENANT, order.order_id)
    assert stored is not None and [h.estado for h in stored.history] == ["PENDIENTE_PAGO", "PAGADO"]


class FlakyBus(Recorder):
    """Fails its first publish, as EventBridge may: the cancel stops half-way."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def publish(self, *args: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise DependencyFailed("EventBridge is not available")
        super().publish(*args)


class StoppableWorkflow(FakeWorkflow):
    def __init__(self) -> None:
        super().__init__()
        self.stopped: list[str] = []

    def stop(self, order_id: str, reason: str) -> None:
        self.stopped.append(order_id)


def test_a_cancel_retried_after_a_lost_announcement_announces_it_once(dal: OrdersDal, dynamodb: Any) -> None:
    # Given an unpaid order whose first cancel wrote CANCELADO but could not announce it,
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    admin = Principal(tenant_id=TENANT, subject_id="adm-1", kind="employee", rol="admin", location_id="larco")
    bus, workflow = FlakyBus(), StoppableWorkflow()
    collaborators: dict[str, Any] = {
        "dal": dal,
        "workflow": workflow,
        "tenants": TenantConfigs(dynamodb, dal.tables.tenants),
        "gateways": lambda tenant: None,
        "bus": bus,
        "now": NOW,
        "pause": lambda seconds: None,
    }
    reason = CancelOrder(reason="Cliente llamó")
    with pytest.raises(DependencyFailed):
        logic.cancel_order(admin, order.order_id, reason, **collaborators)
    assert dal.get_order(TENANT, order.order_id).estado_pedido == "CANCELADO"
    assert bus.messages == []

    # when the admin retries,
    result = logic.cancel_order(admin, order.order_id, reason, **collaborators)

    # then the CANCELADO event goes out once, and a third try is a plain conflict.
    assert result.estado_pedido == "CANCELADO"
    assert [m[2]["estado_pedido"] for m in bus.messages] == ["CANCELADO"]
    with pytest.raises(Conflict):
        logic.cancel_order(admin, order.order_id, reason, **collaborators)
    assert len(bus.messages) == 1


def test_admins_list_a_locations_orders_by_state_and_lima_day_newest_first_in_one_query(
    dal: OrdersDal, counter: CallCounter
) -> None:
    # Given orders made late on 30 April and early on 1 May (Lima time, UTC-5)
    made = {}
    for at in ("2026-05-01T04:59:59.000Z", "2026-05-01T05:00:00.000Z", "2026-05-02T04:30:00.000Z"):
        order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=datetime.fromisoformat(at))
        made[at] = order.order_id
    other, _ = logic.create_order(
        CUSTOMER, body(dispatch="pickup", address=None), None, dal=dal, reviews=REVIEWS, now=NOW
    )
    admin = Principal(tenant_id=TENANT, subject_id="adm-1", kind="employee", rol="admin")
    counter.reset()
    # When an admin lists Larco's unpaid orders of 1 May (Lima)
    page = logic.list_location_orders(
        admin, "larco", estado="PENDIENTE_PAGO", day=date(2026, 5, 1), limit=2, cursor=None, dal=dal
    )
    # Then they get that day's orders only, newest first, a page at a time, one Query per page
    assert [o.order_id for o in page.items] == [made["2026-05-02T04:30:00.000Z"], other.order_id]
    assert page.items[0].customer_name and page.dia == "2026-05-01"
    assert dict(counter.calls) == {"Query": 1}
    rest = logic.list_location_orders(
        admin, "larco", estado="PENDIENTE_PAGO", day=date(2026, 5, 1), limit=2, cursor=page.next_cursor, dal=dal
    )
    assert [o.order_id for o in rest.items] == [made["2026-05-01T05:00:00.000Z"]]
    assert (
        logic.list_location_orders(
            admin, "larco", estado="COCINA", day=date(2026, 5, 1), limit=2, cursor=None, dal=dal
        ).items
        == []
    )


def _own_cancel(principal: Principal, order_id: str, dal: OrdersDal, dynamodb: Any, bus: Recorder) -> Any:
    tenants = TenantConfigs(dynamodb, dal.tables.tenants)
    reason = CancelOrder(reason="Me equivoqué de local")
    return logic.cancel_own_order(principal, order_id, reason, dal=dal, tenants=tenants, bus=bus, now=NOW)


def test_a_customer_cancels_their_own_unpaid_order_once(dal: OrdersDal, dynamodb: Any) -> None:
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    bus = Recorder()
    result = _own_cancel(CUSTOMER, order.order_id, dal, dynamodb, bus)
    stored = dal.get_order(TENANT, order.order_id)
    assert (result.estado_pedido, result.refund_id) == ("CANCELADO", None)
    assert stored.estado_pedido == "CANCELADO"
    assert (stored.history[-1].by, stored.history[-1].rol) == ("cliente:cust-1", "cliente")
    assert [m[2]["estado_pedido"] for m in bus.messages] == ["CANCELADO"]  # the customer's e-mail and live page
    with pytest.raises(Conflict) as again:
        _own_cancel(CUSTOMER, order.order_id, dal, dynamodb, bus)
    assert again.value.code == "order_cancelled"
    assert len(bus.messages) == 1


def test_a_customer_cannot_cancel_another_customers_order(dal: OrdersDal, dynamodb: Any) -> None:
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    other = Principal(tenant_id=TENANT, subject_id="cust-2", kind="customer", rol="cliente")
    with pytest.raises(NotFound):
        _own_cancel(other, order.order_id, dal, dynamodb, Recorder())
    assert dal.get_order(TENANT, order.order_id).estado_pedido == "PENDIENTE_PAGO"


@pytest.mark.parametrize(("status", "code"), [("approved", "order_paid"), ("in_process", "payment_pending")])
def test_a_paid_order_or_one_with_a_payment_under_way_stays(
    dal: OrdersDal, dynamodb: Any, status: str, code: str
) -> None:
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    facts = PaymentFacts(payment_id="88", status=status, amount_cents=order.total_cents, currency="PEN",
                         external_reference=f"{TENANT}:{order.order_id}")  # fmt: skip
    store = DynamoSettlementStore(dynamodb, dal.tables.orders)
    if status == "approved":
        settle(TENANT, facts, store=store, topic=Recorder(), bus=Recorder(), now=NOW)
    else:
        store.record_status(TENANT, order.order_id, facts, iso(NOW))
    before = dal.get_order(TENANT, order.order_id)
    with pytest.raises(Conflict) as refused:
        _own_cancel(CUSTOMER, order.order_id, dal, dynamodb, Recorder())
    assert refused.value.code == code
    assert dal.get_order(TENANT, order.order_id) == before


def test_an_approval_landing_during_a_customer_cancel_wins(dal: OrdersDal, dynamodb: Any) -> None:
    # Given the customer's cancel read the order unpaid, and Mercado Pago's approval is recorded right after
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    read_unpaid = dal.get_order(TENANT, order.order_id)
    facts = PaymentFacts(payment_id="99", status="approved", amount_cents=order.total_cents, currency="PEN",
                         external_reference=f"{TENANT}:{order.order_id}")  # fmt: skip
    settle(
        TENANT,
        facts,
        store=DynamoSettlementStore(dynamodb, dal.tables.orders),
        topic=Recorder(),
        bus=Recorder(),
        now=NOW,
    )
    # When the cancel writes, then the write is refused and the paid order stays
    entry = HistoryEntry(estado="CANCELADO", at=iso(NOW), by="cliente:cust-1", rol="cliente", reason="tarde")
    changed, _ = dal.cancel_unpaid(TENANT, read_unpaid, entry, logic.PAYMENT_UNDECIDED)
    assert not changed
    stored = dal.get_order(TENANT, order.order_id)
    assert (stored.estado_pedido, stored.payment.status) == ("PENDIENTE_PAGO", "approved")


def test_a_suspended_tenant_takes_no_orders(dal: OrdersDal, dynamodb: Any) -> None:
    dynamodb.update_item(
        TableName=dal.tables.tenants,
        Key={"tenant_id": {"S": TENANT}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "suspended"}},
    )
    with pytest.raises(NotFound) as refused:
        logic.create_order(CUSTOMER, body(), "key-suspended", dal=dal, reviews=REVIEWS, now=NOW)
    assert refused.value.code == "unknown_tenant"
    assert dynamodb.scan(TableName=dal.tables.orders)["Count"] == 0


def test_pricing_an_order_never_reads_the_customers_password_hash(dal: OrdersDal, dynamodb: Any) -> None:
    dynamodb.update_item(
        TableName=dal.tables.users,
        Key={"tenant_id": {"S": TENANT}, "user_id": {"S": "cust-1"}},
        UpdateExpression="SET password_hash = :h",
        ExpressionAttributeValues={":h": {"S": "$argon2id$v=19$secret"}},
    )
    context = dal.order_context(TENANT, "cust-1", "larco", set(), set())
    assert context.customer is not None
    assert set(context.customer) <= set(contracts.ORDER_CUSTOMER_ATTRIBUTES)
    assert context.customer["email"] == "ana@example.pe"


class EndedWorkflow(StoppableWorkflow):
    """The workflow of an order handed to the admins (abandoned, failed): its stage's token answers nothing."""

    def __init__(self, *, running: bool) -> None:
        super().__init__()
        self.is_running = running
        self.failed_tokens: list[str] = []

    def fail_task(self, task_token: str, reason: str) -> bool:
        self.failed_tokens.append(task_token)
        return False

    def running(self, order_id: str) -> bool:
        return self.is_running


def _in_kitchen(dal: OrdersDal, dynamodb: Any) -> str:
    """An order that entered COCINA (its stage row pending with the token its execution gave it)."""
    order, _ = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)
    key = {"tenant_id": {"S": TENANT}, "order_id": {"S": order.order_id}}
    dynamodb.update_item(
        TableName=dal.tables.orders, Key=key, UpdateExpression="SET estado_pedido = :s, location_state_key = :k",
        ExpressionAttributeValues={":s": {"S": "COCINA"}, ":k": {"S": f"{TENANT}#larco#COCINA"}},
    )  # fmt: skip
    row = {"stage": "COCINA", "location_id": "larco", "dispatch": "delivery", "status": "pending",
           "queue_key": f"{TENANT}#larco", "enqueued_at": iso(NOW),
           "task_token": "token-of-an-ended-execution"}  # fmt: skip
    dynamodb.put_item(TableName=dal.tables.stages["COCINA"], Item={**key, **{k: {"S": v} for k, v in row.items()}})
    return order.order_id


def _cancel_collaborators(dal: OrdersDal, dynamodb: Any, workflow: Any, bus: Recorder) -> dict[str, Any]:
    tenants = TenantConfigs(dynamodb, dal.tables.tenants)
    return {"dal": dal, "workflow": workflow, "tenants": tenants, "gateways": lambda tenant: None, "bus": bus,
            "now": NOW, "pause": lambda seconds: None}  # fmt: skip


def test_an_admin_cancels_an_order_whose_workflow_handed_it_to_the_admins(dal: OrdersDal, dynamodb: Any) -> None:
    # Given an order in the kitchen whose workflow ended (abandoned after its overdue alerts): its token is dead
    order_id = _in_kitchen(dal, dynamodb)
    admin = Principal(tenant_id=TENANT, subject_id="adm-1", kind="employee", rol="admin", location_id="larco")
    bus, workflow = Recorder(), EndedWorkflow(running=False)
    collaborators = _cancel_collaborators(dal, dynamodb, workflow, bus)
    # When an admin cancels it
    result = logic.cancel_order(admin, order_id, CancelOrder(reason="Abandonado en cocina"), **collaborators)
    # Then it is cancelled here (nobody else would record it), announced once and taken off the kitchen's tray
    assert (result.estado_pedido, result.via) == ("CANCELADO", "direct")
    assert dal.get_order(TENANT, order_id).estado_pedido == "CANCELADO"
    assert [m[2]["estado_pedido"] for m in bus.messages] == ["CANCELADO"]
    row = dynamodb.get_item(
        TableName=dal.tables.stages["COCINA"], Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}}
    )
    assert "queue_key" not in row["Item"] and "cancelled_at" in row["Item"]  # fmt: skip
    assert workflow.failed_tokens == ["token-of-an-ended-execution"]


def test_a_cancel_meeting_a_running_workflow_between_tokens_changes_nothing(dal: OrdersDal, dynamodb: Any) -> None:
    # Given an order whose stage token is stale while its workflow still runs (an overdue re-entry under way)
    order_id = _in_kitchen(dal, dynamodb)
    admin = Principal(tenant_id=TENANT, subject_id="adm-1", kind="employee", rol="admin", location_id="larco")
    bus, workflow = Recorder(), EndedWorkflow(running=True)
    collaborators = _cancel_collaborators(dal, dynamodb, workflow, bus)
    # When an admin cancels it, then the admin is told to try again and nothing was written here: the workflow
    # is the one that records a cancel while it runs
    with pytest.raises(Conflict, match="changing stage"):
        logic.cancel_order(admin, order_id, CancelOrder(reason="Cliente llamó"), **collaborators)
    assert dal.get_order(TENANT, order_id).estado_pedido == "COCINA" and bus.messages == []
