"""The rules around taking an order's money: opening hours, expiry, prices re-checked, combo stock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from orders_support import TENANT, CallCounter
from test_orders import CUSTOMER, NOW, REVIEWS, Recorder, body

from core import contracts
from core.clock import iso
from core.dynamo import to_item
from core.errors import Conflict
from core.orders import HistoryEntry
from core.tenant_config import TenantConfigs
from pagos.settlement import IN_FLIGHT_SECONDS, DynamoSettlementStore, PaymentFacts, settle
from pagos.stock import DynamoStock
from pedidos import hours, logic
from pedidos.dal import OrdersDal
from pedidos.models import CardPayment

EVERY_DAY = {day: "11:00-23:00" for day in hours.DAYS}
FRIDAY_NOON_LIMA = datetime(2026, 5, 1, 17, tzinfo=UTC)  # Friday 12:00 in Lima (UTC-5)


def lima(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of May 2026 given in Lima time (1 May 2026 is a Friday)."""
    return datetime(2026, 5, day, hour, minute, tzinfo=hours.LIMA)


def put_location(dynamodb: Any, dal: OrdersDal, location_id: str, opening_hours: dict[str, str]) -> None:
    item = {"tenant_id": TENANT, "location_id": location_id, "dispatch_types": ["delivery", "pickup"],
            "paused": False, "opening_hours": opening_hours}  # fmt: skip
    dynamodb.put_item(TableName=dal.tables.locations, Item=to_item(item))


# -- opening hours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening_hours", "moment", "open_"),
    [
        (EVERY_DAY, lima(1, 10, 59), False),
        (EVERY_DAY, lima(1, 11, 0), True),
        (EVERY_DAY, lima(1, 22, 59), True),
        (EVERY_DAY, lima(1, 23, 0), False),
        ({"vie": "11:00-24:00"}, lima(1, 23, 59), True),
        ({"vie": "11:00-24:00"}, lima(2, 0, 0), False),
        ({"vie": "18:00-02:00"}, lima(2, 1, 30), True),  # Friday night runs into Saturday
        ({"vie": "18:00-02:00"}, lima(2, 2, 0), False),
        ({"vie": "18:00-02:00"}, lima(1, 1, 30), False),  # Thursday night: no Thursday hours
        ({day: "00:00-24:00" for day in hours.DAYS}, lima(3, 4, 0), True),
        ({"sab": "11:00-23:00"}, lima(1, 12, 0), False),  # a day missing is a day closed
        ({}, lima(1, 12, 0), False),
    ],
)
def test_a_location_is_open_within_its_lima_hours(opening_hours: dict[str, str], moment: datetime, open_: bool) -> None:
    assert hours.is_open(opening_hours, moment) is open_
    assert hours.is_open(opening_hours, moment.astimezone(UTC)) is open_  # the same instant, told in UTC


def test_the_next_opening_is_the_next_span_that_starts_later() -> None:
    assert hours.next_opening(EVERY_DAY, lima(1, 7, 0)) == lima(1, 11, 0)
    assert hours.next_opening(EVERY_DAY, lima(1, 23, 30)) == lima(2, 11, 0)
    assert hours.next_opening({"vie": "18:00-02:00"}, lima(2, 3, 0)) == lima(8, 18, 0)  # a week later
    assert hours.next_opening({}, lima(1, 7, 0)) is None


def test_an_order_outside_the_locations_hours_is_refused_says_when_it_opens_and_writes_nothing(
    dal: OrdersDal, dynamodb: Any
) -> None:
    put_location(dynamodb, dal, "horario", EVERY_DAY)

    with pytest.raises(Conflict) as refused:
        logic.create_order(CUSTOMER, body(location_id="horario"), None, dal=dal, reviews=REVIEWS, now=lima(1, 7, 0))

    assert (refused.value.status, refused.value.code) == (409, "location_closed")
    assert refused.value.details == {"opens_at": "2026-05-01T16:00:00.000Z"}  # Friday 11:00 in Lima
    assert "vie 11:00" in refused.value.message
    assert dynamodb.scan(TableName=dal.tables.orders)["Count"] == 0

    order, created = logic.create_order(
        CUSTOMER, body(location_id="horario"), None, dal=dal, reviews=REVIEWS, now=FRIDAY_NOON_LIMA
    )
    assert created and order.location_id == "horario"


def test_the_closed_error_reaches_the_client_in_the_platforms_error_shape() -> None:
    from core.api import create_resolver

    app = create_resolver("test")

    @app.get("/cerrado")
    def closed() -> None:
        raise Conflict("This store is closed now", code="location_closed", details={"opens_at": "x"})

    event = {"httpMethod": "GET", "path": "/cerrado", "resource": "/cerrado", "headers": {},
             "requestContext": {"authorizer": {}, "requestId": "r"}, "body": None}  # fmt: skip
    response = app.resolve(event, None)

    assert response["statusCode"] == 409
    assert json.loads(response["body"]) == {
        "error": "location_closed",
        "message": "This store is closed now",
        "details": {"opens_at": "x"},
    }


# -- paying: expiry ---------------------------------------------------------------------------------


class FakeGateway:
    """Mercado Pago: preferences and card payments (approved), refunds once per idempotency key."""

    def __init__(self) -> None:
        self.preferences: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []
        self.refunds: dict[str, dict[str, Any]] = {}

    def create_preference(self, preference: dict[str, Any]) -> dict[str, Any]:
        self.preferences.append(preference)
        return {"id": f"pref-{len(self.preferences)}", "init_point": "https://mp.example/checkout"}

    def create_payment(self, payment: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        self.payments.append(payment)
        return {"id": 500 + len(self.payments), "status": "approved", "status_detail": "accredited",
                "transaction_amount": payment["transaction_amount"], "currency_id": "PEN",
                "external_reference": payment["external_reference"]}  # fmt: skip

    def refund(self, payment_id: str, idempotency_key: str) -> dict[str, Any]:
        return self.refunds.setdefault(idempotency_key, {"id": f"r-{payment_id}"})


def collaborators(dal: OrdersDal, dynamodb: Any, gateway: FakeGateway) -> dict[str, Any]:
    return {
        "dal": dal,
        "tenants": TenantConfigs(dynamodb, dal.tables.tenants),
        "gateways": lambda tenant: gateway,
        "links": logic.Links(customer_app_url="https://app.example", rest_api_url="https://api.example/"),
        "reviews": REVIEWS,
    }


def pay_card(dal: OrdersDal, dynamodb: Any, gateway: FakeGateway, order_id: str, now: datetime, **extra: Any) -> Any:
    settlement = {
        "store": DynamoSettlementStore(dynamodb, dal.tables.orders),
        "stock": DynamoStock(dynamodb, dal.tables.orders, dal.tables.combos),
        "topic": Recorder(),
        "bus": Recorder(),
    }
    card = CardPayment(card_token=f"tok-{len(gateway.payments):08d}", payment_method_id="visa")
    kwargs = collaborators(dal, dynamodb, gateway) | settlement | extra
    return logic.pay_with_card(CUSTOMER, order_id, card, **kwargs, now=now)


def start_checkout(
    dal: OrdersDal, dynamodb: Any, gateway: FakeGateway, order_id: str, now: datetime, **extra: Any
) -> Any:
    return logic.start_checkout(CUSTOMER, order_id, **(collaborators(dal, dynamodb, gateway) | extra), now=now)


def new_order(dal: OrdersDal, **overrides: Any) -> str:
    return logic.create_order(CUSTOMER, body(**overrides), None, dal=dal, reviews=REVIEWS, now=NOW)[0].order_id


def stored_item(dynamodb: Any, dal: OrdersDal, order_id: str) -> dict[str, Any]:
    key = {"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}}
    return dict(dynamodb.get_item(TableName=dal.tables.orders, Key=key)["Item"])


EXPIRES = NOW + timedelta(minutes=contracts.UNPAID_ORDER_MINUTES)


@pytest.mark.parametrize("pay", [pay_card, start_checkout], ids=["card", "checkout"])
def test_an_expired_order_takes_no_payment_and_mercado_pago_is_not_called(
    dal: OrdersDal, dynamodb: Any, pay: Any
) -> None:
    order_id, gateway = new_order(dal), FakeGateway()
    before = dynamodb.get_item(
        TableName=dal.tables.orders, Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}}
    )

    with pytest.raises(Conflict) as refused:
        pay(dal, dynamodb, gateway, order_id, EXPIRES)

    assert (refused.value.status, refused.value.code) == (409, "order_expired")
    assert gateway.payments == [] and gateway.preferences == []
    after = dynamodb.get_item(
        TableName=dal.tables.orders, Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}}
    )
    assert after["Item"] == before["Item"]  # nothing written: no failure counted, no preference recorded


def test_the_checkout_link_expires_with_the_order(dal: OrdersDal, dynamodb: Any) -> None:
    order_id, gateway = new_order(dal), FakeGateway()

    start_checkout(dal, dynamodb, gateway, order_id, NOW + timedelta(minutes=20))

    preference = gateway.preferences[0]
    assert preference["expiration_date_from"] == iso(NOW + timedelta(minutes=20))
    assert preference["expiration_date_to"] == iso(EXPIRES)  # not 20 + CHECKOUT_MINUTES


def test_an_order_stored_before_payable_until_expires_from_its_creation(dal: OrdersDal, dynamodb: Any) -> None:
    order_id, gateway = new_order(dal), FakeGateway()
    dynamodb.update_item(TableName=dal.tables.orders, Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}},
                         UpdateExpression="REMOVE payable_until")  # fmt: skip

    start_checkout(dal, dynamodb, gateway, order_id, EXPIRES - timedelta(seconds=1))
    assert gateway.preferences[0]["expiration_date_to"] == iso(EXPIRES)
    with pytest.raises(Conflict, match="expired"):
        pay_card(dal, dynamodb, gateway, order_id, EXPIRES)


# -- paying: prices and availability checked again ----------------------------------------------------


def change_catalog(dynamodb: Any, dal: OrdersDal, table: str, key: dict[str, str], **values: Any) -> None:
    names = {f"#{name}": name for name in values}
    dynamodb.update_item(
        TableName=table,
        Key=to_item({"tenant_id": TENANT, **key}),
        UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in values),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=to_item({f":{name}": value for name, value in values.items()}),
    )


def reprice_clasica(dynamodb: Any, dal: OrdersDal, grande_cents: int) -> None:
    sizes = [{"size": "regular", "price_cents": 1590}, {"size": "grande", "price_cents": grande_cents}]
    change_catalog(dynamodb, dal, dal.tables.products, {"product_id": "clasica"}, sizes=sizes)


@pytest.mark.parametrize("pay", [pay_card, start_checkout], ids=["card", "checkout"])
def test_a_new_price_is_refused_with_the_new_total_and_the_order_takes_it_for_the_next_attempt(
    dal: OrdersDal, dynamodb: Any, pay: Any
) -> None:
    order_id, gateway = new_order(dal), FakeGateway()  # 2 x grande (1990) + 500 delivery = 4480
    reprice_clasica(dynamodb, dal, 2090)

    with pytest.raises(Conflict) as refused:
        pay(dal, dynamodb, gateway, order_id, NOW)

    assert (refused.value.status, refused.value.code) == (409, "prices_changed")
    assert refused.value.details == {"total_cents": 4680, "previous_total_cents": 4480}
    assert "S/ 46.80" in refused.value.message
    assert gateway.payments == [] and gateway.preferences == []  # nothing charged at either price
    order = dal.get_order(TENANT, order_id)
    assert order is not None and (order.subtotal_cents, order.total_cents) == (4180, 4680)
    assert [(line.unit_price_cents, line.line_total_cents) for line in order.items] == [(2090, 4180)]

    pay(dal, dynamodb, gateway, order_id, NOW)  # the customer saw the new total and pays again
    charged = gateway.payments[0]["transaction_amount"] if gateway.payments else None
    offered = gateway.preferences[0]["items"][0]["unit_price"] if gateway.preferences else None
    assert charged == 46.80 or offered == 20.90


NO_LONGER_SOLD = [
    (("products", {"product_id": "clasica"}, {"available": False}), "item_unavailable", "Clásica"),
    (("products", {"product_id": "clasica"}, {"unavailable_at": ["larco"]}), "item_unavailable", "Clásica"),
    (("products", {"product_id": "clasica"}, {"archived_at": "2026-05-01"}), "item_unavailable", "clasica"),
    (("products", {"product_id": "clasica"}, {"sizes": [{"size": "regular", "price_cents": 1590}]}),
     "item_unavailable", "Clásica"),
    (("locations", {"location_id": "larco"}, {"paused": True}), "location_paused", "not taking orders"),
    (("locations", {"location_id": "larco"}, {"opening_hours": {"sab": "11:00-23:00"}}), "location_closed",
     "sab 11:00"),
    (("locations", {"location_id": "larco"}, {"dispatch_types": ["pickup"]}), "dispatch_not_offered", "delivery"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("pay", "change", "code", "named"),
    # Both routes share the check: every change by card, one by Checkout Pro.
    [(pay_card, *case) for case in NO_LONGER_SOLD] + [(start_checkout, *NO_LONGER_SOLD[0])],
)
def test_what_can_no_longer_be_sold_is_named_in_a_409_and_nothing_is_charged_or_written(
    dal: OrdersDal, dynamodb: Any, pay: Any, change: tuple[str, dict[str, str], dict[str, Any]], code: str, named: str
) -> None:
    order_id, gateway = new_order(dal), FakeGateway()
    before = stored_item(dynamodb, dal, order_id)
    table, key, values = change
    change_catalog(dynamodb, dal, getattr(dal.tables, table), key, **values)

    with pytest.raises(Conflict) as refused:
        pay(dal, dynamodb, gateway, order_id, NOW)

    assert (refused.value.status, refused.value.code) == (409, code)
    assert named in refused.value.message
    assert gateway.payments == [] and gateway.preferences == []
    assert stored_item(dynamodb, dal, order_id) == before


def test_a_combo_sold_out_since_the_order_is_refused_before_paying(dal: OrdersDal, dynamodb: Any) -> None:
    combo = [{"kind": "combo", "item_id": "combo-1", "size": "regular", "quantity": 2}]
    order_id, gateway = new_order(dal, items=combo), FakeGateway()
    change_catalog(dynamodb, dal, dal.tables.combos, {"combo_id": "combo-1"}, stock=1)

    with pytest.raises(Conflict) as refused:
        pay_card(dal, dynamodb, gateway, order_id, NOW)

    assert refused.value.code == "out_of_stock" and gateway.payments == []


def test_new_prices_are_not_written_over_a_payment_under_way(dal: OrdersDal, dynamodb: Any) -> None:
    order_id, gateway = new_order(dal), FakeGateway()
    key = {"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}}
    dynamodb.update_item(TableName=dal.tables.orders, Key=key, UpdateExpression="SET payment.#st = :p",
                         ExpressionAttributeNames={"#st": "status"},
                         ExpressionAttributeValues={":p": {"S": "in_process"}})  # fmt: skip
    before = stored_item(dynamodb, dal, order_id)
    reprice_clasica(dynamodb, dal, 2090)

    with pytest.raises(Conflict) as refused:
        pay_card(dal, dynamodb, gateway, order_id, NOW)

    assert refused.value.code == "order_in_transition" and gateway.payments == []
    assert stored_item(dynamodb, dal, order_id) == before


def test_the_pay_path_reads_the_catalog_once_more_and_no_more(
    dal: OrdersDal, dynamodb: Any, counter: CallCounter
) -> None:
    """Card: GetItem (order, the customer's hourly failures) + BatchGetItem (the catalog, again) + UpdateItem
    (approval, publish mark); Checkout Pro: GetItem + BatchGetItem + UpdateItem (the preference). The tenant
    config is cached by the function, as here."""
    gateway, tenants = FakeGateway(), TenantConfigs(dynamodb, dal.tables.tenants)
    card_order, checkout_order = new_order(dal), new_order(dal)
    tenants.get(TENANT)
    counter.reset()

    pay_card(dal, dynamodb, gateway, card_order, NOW, tenants=tenants)
    assert dict(counter.calls) == {"GetItem": 2, "BatchGetItem": 1, "UpdateItem": 2}  # was GetItem 2, UpdateItem 2

    counter.reset()
    start_checkout(dal, dynamodb, gateway, checkout_order, NOW, tenants=tenants)
    assert dict(counter.calls) == {"GetItem": 1, "BatchGetItem": 1, "UpdateItem": 1}  # was GetItem 1, UpdateItem 1


# -- combo stock, taken when the payment is approved ------------------------------------------------

TWO_COMBOS = [{"kind": "combo", "item_id": "combo-1", "size": "regular", "quantity": 2}]  # the seed's stock: 2
LATER = NOW + timedelta(seconds=IN_FLIGHT_SECONDS + 1)  # a retry after a settling function died


def approved(order_id: str, payment_id: str = "77") -> PaymentFacts:
    return PaymentFacts(payment_id=payment_id, status="approved", amount_cents=5480, currency="PEN",
                        external_reference=f"{TENANT}:{order_id}")  # fmt: skip


class Settling:
    """The settlement's collaborators on the moto tables, Mercado Pago's refunds counted."""

    def __init__(self, dal: OrdersDal, dynamodb: Any) -> None:
        self.store = DynamoSettlementStore(dynamodb, dal.tables.orders)
        self.stock = DynamoStock(dynamodb, dal.tables.orders, dal.tables.combos)
        self.topic, self.bus, self.refunds = Recorder(), Recorder(), FakeGateway()
        self.dynamodb, self.dal = dynamodb, dal

    def settle(self, facts: PaymentFacts, now: datetime = NOW, **overrides: Any) -> str:
        collaborators = {"store": self.store, "topic": self.topic, "bus": self.bus, "refunds": self.refunds,
                         "stock": self.stock} | overrides  # fmt: skip
        return settle(TENANT, facts, **collaborators, now=now)

    def combo_stock(self, tenant_id: str = TENANT) -> Any:
        key = to_item({"tenant_id": tenant_id, "combo_id": "combo-1"})
        item = self.dynamodb.get_item(TableName=self.dal.tables.combos, Key=key)["Item"]
        return int(item["stock"]["N"]) if "stock" in item else None


@pytest.fixture
def settling(dal: OrdersDal, dynamodb: Any) -> Settling:
    return Settling(dal, dynamodb)


def test_an_approved_card_payment_takes_the_combos_from_stock_in_the_tenants_partition(
    dal: OrdersDal, dynamodb: Any, settling: Settling
) -> None:
    other_tenant = {"tenant_id": "tenant-b", "combo_id": "combo-1", "name": "Combo B", "stock": 5}
    dynamodb.put_item(TableName=dal.tables.combos, Item=to_item(other_tenant))
    order_id, gateway = new_order(dal, items=TWO_COMBOS), FakeGateway()

    result = pay_card(dal, dynamodb, gateway, order_id, NOW, stock=settling.stock)

    assert result.status == "approved"
    assert settling.combo_stock() == 0 and settling.combo_stock("tenant-b") == 5
    order = dal.get_order(TENANT, order_id)
    assert order is not None and order.stock_taken_by == str(result.payment_id)


def test_a_retried_settlement_never_takes_the_stock_twice(dal: OrdersDal, settling: Settling) -> None:
    order_id = new_order(dal, items=TWO_COMBOS)
    order = dal.get_order(TENANT, order_id)
    assert order is not None and order.stock_combos == {"combo-1": 2}
    settling.store.approve(TENANT, order_id, approved(order_id), iso(NOW))  # a settlement that then died:
    assert settling.stock.take(TENANT, order, "77") is None  # after taking the stock, before publishing

    outcomes = [settling.settle(approved(order_id), LATER) for _ in range(2)]

    assert outcomes == ["published", "duplicate"]  # not "sold out": the stock it took is its own
    assert settling.combo_stock() == 0 and len(settling.topic.messages) == 1


def test_a_combo_sold_out_before_the_approval_cancels_the_order_and_refunds_it_once(
    dal: OrdersDal, settling: Settling
) -> None:
    first, second = new_order(dal, items=TWO_COMBOS), new_order(dal, items=TWO_COMBOS)  # 2 in stock, 4 ordered
    assert settling.settle(approved(first, "71")) == "published"

    outcomes = [settling.settle(approved(second, "72"), now) for now in (NOW, LATER, LATER)]

    assert outcomes == ["refunded", "duplicate", "duplicate"]
    assert settling.combo_stock() == 0  # never below zero
    assert list(settling.refunds.refunds) == [f"refund-{second}"]  # one refund, the key an admin cancel uses
    assert len(settling.topic.messages) == 1  # only the first order goes to the kitchen
    order = settling.dal.get_order(TENANT, second)
    assert order is not None and order.estado_pedido == "CANCELADO" and order.sold_out == "Combo"
    assert order.payment is not None and order.payment.refund_id == "r-72"
    assert order.history[-1].reason == "Se agotó Combo; te devolvimos el pago"
    [(_source, detail_type, detail)] = settling.bus.messages  # the customer is told once (email, live page)
    assert (detail_type, detail["estado_pedido"], detail["refund_id"]) == ("OrderStatusChanged", "CANCELADO", "r-72")
    assert detail["reason"] == order.history[-1].reason


def test_a_sold_out_cancel_interrupted_before_its_refund_is_finished_by_the_retry(
    dal: OrdersDal, settling: Settling
) -> None:
    first, second = new_order(dal, items=TWO_COMBOS), new_order(dal, items=TWO_COMBOS)
    settling.settle(approved(first, "71"))
    settling.store.approve(TENANT, second, approved(second, "72"), iso(NOW))
    order = settling.dal.get_order(TENANT, second)
    assert order is not None and settling.stock.take(TENANT, order, "72") == "Combo"
    entry = HistoryEntry(estado="CANCELADO", at=iso(NOW), by="plataforma", reason="Se agotó Combo")
    settling.stock.cancel_sold_out(TENANT, order, "72", "Combo", entry)  # ... and the function died here
    settling.dynamodb.put_item(  # restocked meanwhile: the cancelled order must still not take any
        TableName=dal.tables.combos, Item=to_item({"tenant_id": TENANT, "combo_id": "combo-1", "name": "Combo",
                                                   "stock": 9, "sizes": [{"size": "regular", "price_cents": 2490}]})
    )  # fmt: skip

    assert settling.settle(approved(second, "72"), LATER) == "refunded"

    assert settling.combo_stock() == 9 and list(settling.refunds.refunds) == [f"refund-{second}"]
    assert len(settling.topic.messages) == 1 and len(settling.bus.messages) == 1


def test_a_sold_out_order_without_a_refunder_goes_to_an_admin_unpublished(dal: OrdersDal, settling: Settling) -> None:
    first, second = new_order(dal, items=TWO_COMBOS), new_order(dal, items=TWO_COMBOS)
    settling.settle(approved(first, "71"))

    assert settling.settle(approved(second, "72"), refunds=None) == "needs_admin"

    order = settling.dal.get_order(TENANT, second)
    assert order is not None and order.needs_admin == "out_of_stock" and len(settling.topic.messages) == 1


def test_combos_without_counted_stock_are_not_touched(dal: OrdersDal, dynamodb: Any, settling: Settling) -> None:
    order_id = new_order(dal, items=TWO_COMBOS)
    dynamodb.update_item(TableName=dal.tables.combos, Key=to_item({"tenant_id": TENANT, "combo_id": "combo-1"}),
                         UpdateExpression="REMOVE stock")  # the admin stopped counting it since the order  # fmt: skip

    assert settling.settle(approved(order_id)) == "published"

    assert settling.combo_stock() is None
    plain = new_order(dal)  # no combo at all: nothing recorded, nothing to take
    assert settling.dal.get_order(TENANT, plain).stock_combos == {}  # type: ignore[union-attr]
