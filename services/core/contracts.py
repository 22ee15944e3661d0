"""Names that the infrastructure and the services share: events, order states, stages, roles.

Plain constants and no imports, so the CDK app reads them too
(``from services.core import contracts``) and the two can never disagree.
"""

from __future__ import annotations

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

# The waiting stages of the workflow: stage -> (work queue, tracking table, staff role).
STAGES: Final = {
    COCINA: ("cocina", "cocina", "cocinero"),
    EMPAQUETAMIENTO: ("empaquetamiento", "despachador", "empaquetador"),
    DELIVERY: ("delivery", "delivery", "repartidor"),
}

ROLES: Final = ("admin", "cocinero", "empaquetador", "repartidor")
CUSTOMER_ROLE: Final = "cliente"

# Who the timeline names when the state machine itself changed the order.
WORKFLOW_ACTOR: Final = "workflow"

# Error name of SendTaskFailure when an admin cancels an order.
ORDER_CANCELLED_ERROR: Final = "OrderCancelled"
