"""Names that the infrastructure and the services share: events, order states, stages, roles.

Plain constants and nothing but the standard library, so the CDK app reads them too
(``from core import contracts``, with ``services/`` on the path) and the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

EVENT_SOURCE_ORDERS: Final = "bembos.orders"
EVENT_SOURCE_IDENTITY: Final = "bembos.identity"
EVENT_SOURCE_PAYMENTS: Final = "bembos.payments"

ORDER_STATUS_CHANGED: Final = "OrderStatusChanged"
ORDER_OVERDUE: Final = "OrderOverdue"
CUSTOMER_REGISTERED: Final = "CustomerRegistered"
EMPLOYEE_INVITED: Final = "EmployeeInvited"
# Tenant onboarding asks for its first admin's invitation (detail: core.identity_events).
EMPLOYEE_INVITATION_REQUESTED: Final = "EmployeeInvitationRequested"
PAYMENT_APPROVED: Final = "PaymentApproved"

# Where each web app lives on its origin (its build's base path). One app serves every tenant, each
# below it by id: /clientes/<tenant>/, /staff/<tenant>/.
WEB_APP_PATHS: Final = {"customer": "clientes", "staff": "staff"}

# Order states (estado_pedido), as the business names them.
PENDIENTE_PAGO: Final = "PENDIENTE_PAGO"
PAGADO: Final = "PAGADO"
COCINA: Final = "COCINA"
EMPAQUETAMIENTO: Final = "EMPAQUETAMIENTO"
DELIVERY: Final = "DELIVERY"
ENTREGADO: Final = "ENTREGADO"
CANCELADO: Final = "CANCELADO"


@dataclass(frozen=True)
class Stage:
    """A waiting stage of the workflow and every name derived from it (the brief's names)."""

    state: str  # the order's state while it waits here: COCINA
    slug: str  # its REST resource, work queue and web board: /cocina, bembos-dev-cocina.fifo
    table: str  # its tracking table: cocina, despachador, delivery
    role: str  # the staff role that works it: cocinero, empaquetador, repartidor
    after: str  # the state an order leaves to enter it
    then: str  # the state a completed order enters (a pickup order skips DELIVERY: see the workflow)
    transition: str  # the business's name for entering it: PagadoACocina, ...

    @property
    def table_setting(self) -> str:
        """The environment variable that names its tracking table: ``COCINA_TABLE``."""
        return f"{self.table.upper()}_TABLE"


STAGES: Final = {
    stage.state: stage
    for stage in (
        Stage(COCINA, "cocina", "cocina", "cocinero", PAGADO, EMPAQUETAMIENTO, "PagadoACocina"),
        Stage(
            EMPAQUETAMIENTO,
            "empaquetamiento",
            "despachador",
            "empaquetador",
            COCINA,
            DELIVERY,
            "CocinaAEmpaquetamiento",
        ),
        Stage(DELIVERY, "delivery", "delivery", "repartidor", EMPAQUETAMIENTO, ENTREGADO, "EmpaquetamientoADelivery"),
    )
}


@dataclass(frozen=True)
class SlaMinutes:
    """A tenant's time limit per stage (by slug), in minutes, before its admins hear an order is overdue."""

    cocina: int = 15
    empaquetamiento: int = 5
    delivery: int = 45

    def seconds(self) -> dict[str, int]:
        """The workflow's ``sla`` input: seconds per stage slug."""
        return {stage.slug: int(getattr(self, stage.slug)) * 60 for stage in STAGES.values()}


ROLES: Final = ("admin", "cocinero", "empaquetador", "repartidor")
CUSTOMER_ROLE: Final = "cliente"

# Who the timeline names when the state machine itself changed the order.
WORKFLOW_ACTOR: Final = "workflow"

# Error name of SendTaskFailure when an admin cancels an order.
ORDER_CANCELLED_ERROR: Final = "OrderCancelled"

# Mercado Pago's REST API (the functions' default; the local cloud points them at its fake).
MERCADOPAGO_API_URL: Final = "https://api.mercadopago.com"

# The request headers the web apps send; the REST API and every function answer preflights for these.
CORS_HEADERS: Final = ("Authorization", "Content-Type", "X-Tenant-Id", "Idempotency-Key")
