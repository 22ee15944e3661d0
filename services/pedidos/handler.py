"""Orders API: ``/pedidos`` (create, list, read), ``/pedidos/{id}/pago`` (pay), ``/pedidos/{id}/cancelar``,
and ``/locales/{id}/pedidos`` (a location's orders by state and day, for admins).

Customers create, pay and list their own orders; staff of the order's location and admins read
any order of their tenant. A customer cancels their own unpaid order; admins cancel any order.
The tenant always comes from the session.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver, idempotency_key
from core.clock import utc_now
from core.observability import entry_point
from core.orders import Estado
from core.principal import caller, requires
from core.request_limits import unreadable
from core.validation import CalendarDay
from pagos import runtime as payments
from pedidos import logic, runtime
from pedidos.models import (
    CancelOrder,
    CancelResult,
    CardPayment,
    CardPaymentResult,
    CheckoutStarted,
    CreateOrder,
    LocationOrderPage,
    OrderPage,
    OrderView,
)

CUSTOMER = contracts.CUSTOMER_ROLE
OrderId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$", description="The order id")]
LocationId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="The location id")]
EstadoFilter = Annotated[Estado, Query(description="The orders' state")]
Day = Annotated[CalendarDay | None, Query(description="Lima calendar day, YYYY-MM-DD (default: today)")]
Limit = Annotated[int, Query(ge=1, le=50, description="Page size (1-50)")]
Cursor = Annotated[str | None, Query(max_length=1024, description="Opaque cursor from the previous page")]

app = create_resolver("pedidos")


@app.post(
    "/pedidos",
    status_code=201,
    responses={
        201: {"description": "The order, created"},
        200: {"description": "The order an earlier request with this Idempotency-Key created"},
    },
    middlewares=requires(CUSTOMER),
)
def create_order(body: CreateOrder) -> tuple[OrderView, int]:
    order, created = logic.create_order(
        caller(app),
        body,
        idempotency_key(app),
        dal=runtime.dal(),
        reviews=payments.reviews(),
        now=utc_now(),
        review_max_delay_seconds=payments.settings().payment_review_max_delay_seconds,
    )
    return order, 201 if created else 200


@app.get("/pedidos", middlewares=requires(CUSTOMER))
def list_orders(limit: Limit = 20, cursor: Cursor = None) -> OrderPage:
    return logic.list_orders(caller(app), limit=limit, cursor=cursor, dal=runtime.dal())


@app.get("/pedidos/<order_id>", middlewares=requires(CUSTOMER, *contracts.ROLES))
def get_order(order_id: OrderId) -> OrderView:
    return logic.get_order(caller(app), order_id, dal=runtime.dal())


@app.get("/locales/<location_id>/pedidos", middlewares=requires("admin"))
def list_location_orders(
    location_id: LocationId,
    estado: EstadoFilter = "COCINA",
    dia: Day = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> LocationOrderPage:
    """A location's orders in one state on one Lima day (today by default), newest first: the admins' list."""
    day = dia or logic.lima_today(utc_now())
    return logic.list_location_orders(
        caller(app), location_id, estado=estado, day=day, limit=limit, cursor=cursor, dal=runtime.dal()
    )


@app.post("/pedidos/<order_id>/pago", middlewares=requires(CUSTOMER))
def pay(order_id: OrderId, body: CardPayment | None = None) -> CheckoutStarted | CardPaymentResult:
    common: dict[str, Any] = {
        "dal": runtime.dal(),
        "tenants": runtime.tenants(),
        "gateways": payments.gateway,
        "links": runtime.links(),
        "reviews": payments.reviews(),
        "now": utc_now(),
        "check_delay_seconds": payments.settings().payment_check_delay_seconds,
    }
    if body is None:
        return logic.start_checkout(caller(app), order_id, **common)
    return logic.pay_with_card(
        caller(app),
        order_id,
        body,
        store=payments.settlement(),
        stock=payments.stock(),
        topic=payments.topic(),
        bus=runtime.bus(),
        **common,
    )


@app.post("/pedidos/<order_id>/cancelar", middlewares=requires(CUSTOMER, "admin"))
def cancel(order_id: OrderId, body: CancelOrder) -> CancelResult:
    principal = caller(app)
    if principal.kind == "customer":
        return logic.cancel_own_order(
            principal, order_id, body, dal=runtime.dal(), tenants=runtime.tenants(), bus=runtime.bus(), now=utc_now()
        )
    return logic.cancel_order(
        principal,
        order_id,
        body,
        dal=runtime.dal(),
        workflow=runtime.workflow(),
        tenants=runtime.tenants(),
        gateways=payments.gateway,
        bus=runtime.bus(),
        now=utc_now(),
    )


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
