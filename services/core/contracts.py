"""Names that the infrastructure and the services share: events, order states, stages, roles.

Plain constants and nothing but the standard library, so the CDK app reads them too
(``from core import contracts``, with ``services/`` on the path) and the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

EVENT_SOURCE_ORDERS: Final = "bembos.orders"
EVENT_SOURCE_IDENTITY: Final = "bembos.identity"
EVENT_SOURCE_PAYMENTS: Final = "bembos.payments"
EVENT_SOURCE_COMPLAINTS: Final = "bembos.complaints"

ORDER_STATUS_CHANGED: Final = "OrderStatusChanged"
ORDER_OVERDUE: Final = "OrderOverdue"
CUSTOMER_REGISTERED: Final = "CustomerRegistered"  # the customer verified its address: the welcome email
# A customer's one-time links (detail: core.identity_events): verify the address, reset the password; and the
# notice to a verified address that someone tried to register it again.
CUSTOMER_VERIFICATION_REQUESTED: Final = "CustomerVerificationRequested"
CUSTOMER_PASSWORD_RESET_REQUESTED: Final = "CustomerPasswordResetRequested"  # noqa: S105 - an event name
CUSTOMER_REGISTRATION_REPEATED: Final = "CustomerRegistrationRepeated"
EMPLOYEE_INVITED: Final = "EmployeeInvited"
# Tenant onboarding asks for its first admin's invitation (detail: core.identity_events).
EMPLOYEE_INVITATION_REQUESTED: Final = "EmployeeInvitationRequested"
PAYMENT_APPROVED: Final = "PaymentApproved"
# What a tenant id and an e-mail address look like: the services' validators (core.validation) and the tenants
# checked at synth (constructs/tenant.py) apply the same rules.
TENANT_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,62}$"
EMAIL_MAX: Final = 254
EMAIL_LOCAL_PATTERN: Final = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
EMAIL_LABEL_PATTERN: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"^{EMAIL_LOCAL_PATTERN}@(?=.{{1,253}}$){EMAIL_LABEL_PATTERN}(?:\.{EMAIL_LABEL_PATTERN})+$")


def is_email(address: str) -> bool:
    """``address`` (trimmed and lower-cased, as the platform stores it) is a well-formed e-mail address."""
    return len(address) <= EMAIL_MAX and ".." not in address and _EMAIL_RE.match(address) is not None


# Tenant tiers: API limits per tier live in cdk.json (stages.<stage>.tenant_tiers); a tenant names its tier.
TENANT_TIERS = ("basico", "estandar", "cadena")
DEFAULT_TENANT_TIER = "estandar"
EVENT_SOURCE_TENANTS = "bembos.tenants"
TENANT_SUSPENDED = "TenantSuspended"  # detail: {"tenant_id": str}
TENANT_REACTIVATED = "TenantReactivated"  # detail: {"tenant_id": str}
# The tenants asset's format (constructs/tenant.py writes it, services/tenants/models.py reads it).
TENANTS_ASSET_FORMAT = 1


def usage_key(prefix: str, tenant_id: str) -> str:
    """The API Gateway API key value that identifies a tenant of the stage ``prefix`` to its usage plan (not a
    secret: the key source is the authorizer, a client's x-api-key header is ignored). The stage is in it because a
    key value is unique in the whole account and region: two stages of one account each have their own key."""
    return f"{prefix}-{tenant_id}-usage-key"


# The Libro de Reclamaciones (services/reclamos): an entry filed by a customer, and the business's answer.
# The e-mail notifier sends the customer's dated copies; the realtime notifier tells the tenant's admins and
# the customer (the detail names the entry, never the consumer's data).
COMPLAINT_FILED: Final = "ComplaintFiled"
COMPLAINT_ANSWERED: Final = "ComplaintAnswered"
# Staff e-mails by role (services/notificaciones.staff_mails): the scheduled daily summary asks the e-mail notifier
# for one tenant's summary of one Lima day (detail: ``tenant_id``, ``day``); its source is the notifier's scheduler.
EVENT_SOURCE_NOTIFICATIONS: Final = "bembos.notifications"
DAILY_SUMMARY_REQUESTED: Final = "DailySummaryRequested"
# An employee's choice to get the e-mails of their role's events (a boolean on the Empleados item); absent, the
# role's default: on for admins, off for the roles whose boards are live.
EMPLOYEE_EMAIL_ALERTS: Final = "email_alerts"
EMAIL_ALERTS_DEFAULT: Final = {"admin": True, "cocinero": False, "empaquetador": False, "repartidor": False}

# The WebSocket API's route key of a staff message ({"action": "mensaje", ...}; route selection
# $request.body.action): stacks/api.py adds the route, realtime.handler answers it.
MESSAGE_ROUTE_KEY: Final = "mensaje"

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

    def seconds_by_state(self) -> dict[str, int]:
        """Seconds per stage state (COCINA, ...): the metrics' time limits."""
        return {stage.state: int(getattr(self, stage.slug)) * 60 for stage in STAGES.values()}


ROLES: Final = ("admin", "cocinero", "empaquetador", "repartidor")
CUSTOMER_ROLE: Final = "cliente"

# Who the timeline names when the state machine itself changed the order.
WORKFLOW_ACTOR: Final = "workflow"

# Error name of SendTaskFailure when an admin cancels an order.
ORDER_CANCELLED_ERROR: Final = "OrderCancelled"

# Mercado Pago's REST API (the functions' default; the local cloud points them at its fake).
MERCADOPAGO_API_URL: Final = "https://api.mercadopago.com"

# How long after a staff completion the platform checks that the workflow heard of it (etapas.checker).
COMPLETION_CHECK_DELAY_SECONDS: Final = 20

# The longest a function that settles payments may run (the orders API: 20 s; the webhook: 15 s). A
# settlement older than this with no publish mark was left by a winner that died (pagos.settlement).
SETTLING_FUNCTION_MAX_SECONDS: Final = 20
# An unpaid order can be paid for this long after it is created (the checkout link lives as long); then it expires.
UNPAID_ORDER_MINUTES: Final = 30
# Each unpaid order has a timer (a delayed message on <prefix>-pagos-revision, pagos.reconciliation): it settles an
# approved payment whose webhook was lost, from Mercado Pago's own records, and expires the order once unpaid past
# payable_until. SQS delays a message at most 15 minutes: a longer wait is a message that sends itself again.
PAYMENT_REVIEW_MAX_DELAY_SECONDS: Final = 900
# Each payment attempt (a card payment, a Checkout Pro link) also asks for one look this much later, so an approval
# whose webhook is lost is settled within minutes, not at the order's expiry.
PAYMENT_CHECK_DELAY_SECONDS: Final = 120
# Who the timeline names, and why, when an order expires unpaid (the customer reads the reason in the app and mail).
EXPIRY_ACTOR: Final = "sistema"
EXPIRED_UNPAID_REASON: Final = "Pedido vencido: no se recibió el pago a tiempo"

# What the metrics consumer reads of a stage tracking row, its keys included: its GetItem's projection, and what its
# role may read of the stage tables (a dynamodb:Attributes condition): never the task token.
METRICS_TRACKING_ROW_ATTRIBUTES: Final = ("tenant_id", "order_id", "stage", "location_id", "status", "enqueued_at",
                                          "completed_at", "completed_by", "claimed_by", "claimed_by_name")  # fmt: skip
# What an order reads of its customer (the orders function's role may read no other attribute of Usuarios).
ORDER_CUSTOMER_ATTRIBUTES: Final = ("tenant_id", "user_id", "status", "email", "name", "phone")
# What the complaints function reads of the customer filing an entry (its copy goes to the account's own address).
COMPLAINT_CUSTOMER_ATTRIBUTES: Final = ("tenant_id", "user_id", "status", "email")
# Of an order named in an entry: whose it is.
COMPLAINT_ORDER_ATTRIBUTES: Final = ("tenant_id", "order_id", "customer_id")
# What the points consumer reads of a delivered order (services/puntos): whose it is, its lines (each with the points
# per unit the menu promised when it was ordered), its state and its payment's (a refunded order earns nothing).
POINTS_ORDER_ATTRIBUTES: Final = ("tenant_id", "order_id", "customer_id", "estado_pedido", "items", "payment")
# The reasons of the payments service's hand-over to the admins (OrderOverdue, estado REQUIERE_ADMIN) that mean the
# customer got the money back: after a delivery, the points of the order are taken back.
POINTS_REVERSAL_REASONS: Final = ("payment_refunded", "payment_charged_back")
REQUIRES_ADMIN: Final = "REQUIERE_ADMIN"
# The legal term to answer an entry, in business days, unless the tenant's settings say otherwise.
DEFAULT_COMPLAINT_TERM_DAYS: Final = 15
# What the users function (public: register, login; and the profile) may update of an account: the attributes its
# update and condition expressions name, and the keys (its role's UpdateItem carries a dynamodb:Attributes
# condition). Of an employee, only login's rehash of the password: never the role, the location or the status.
LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES: Final = ("tenant_id", "employee_id", "password_hash")
# Of a customer: the rehash, a password reset or change, the profile (name, phone), the e-mail verification
# (status, verified_at), a registration taking over an unverified address (its email lock's owner_id), and the
# deactivation (status; drops the email, the hash and the failed-login counters older releases kept on it).
CUSTOMER_UPDATE_ATTRIBUTES: Final = (
    "tenant_id",
    "user_id",
    "password_hash",
    "name",
    "phone",
    "updated_at",
    "status",
    "verified_at",
    "owner_id",
    "email",
    "failed_logins",
    "failed_window_start",
)

# Business metrics (CloudWatch, embedded in log lines by core.observability.tenant_metric; the Operations stack's
# dashboard graphs them and alarms on the overdue alerts). Each is the platform's total and, unless the stage
# switches it off (metrics_tenant_dimension), a series per tenant; a metric of one stage also has the dimension
# METRIC_STAGE_DIMENSION (its state: COCINA, ...).
METRIC_ORDERS_CREATED: Final = "OrdersCreated"  # the orders API created an order (PENDIENTE_PAGO)
METRIC_ORDERS_PAID: Final = "OrdersPaid"  # the metrics consumer counted an order PAGADO
METRIC_ORDERS_DELIVERED: Final = "OrdersDelivered"  # ... ENTREGADO
METRIC_ORDERS_CANCELLED: Final = "OrdersCancelled"  # ... CANCELADO
METRIC_ORDERS_OVERDUE: Final = "OrdersOverdue"  # an OrderOverdue alert, per stage
METRIC_STAGE_SECONDS: Final = "StageSeconds"  # per stage: an order's time from entering it to its completion
METRIC_STAGE_DIMENSION: Final = "stage"

# The request headers the web apps send; the REST API and every function answer preflights for these.
CORS_HEADERS: Final = ("Authorization", "Content-Type", "X-Tenant-Id", "Idempotency-Key")


@dataclass(frozen=True)
class Index:
    """A global secondary index (every one projects all attributes)."""

    name: str
    partition_key: str
    sort_key: str | None = None
    sort_key_type: str = "S"  # "S" or "N"


@dataclass(frozen=True)
class Table:
    """A table of the data model: partitioned by ``tenant_id``, named ``<prefix>-<name>``."""

    logical_id: str  # its construct id in the Data stack (a deployed table keeps it)
    name: str
    sort_key: str | None = None
    ttl: str | None = None
    indexes: tuple[Index, ...] = ()

    def create_request(self, table_name: str) -> dict[str, object]:
        """The ``CreateTable`` request for this schema (tests and tools that build tables without CDK)."""
        keys = [("tenant_id", "HASH", "S")] + ([(self.sort_key, "RANGE", "S")] if self.sort_key else [])
        attributes = {name: kind for name, _, kind in keys}
        request: dict[str, object] = {
            "TableName": table_name,
            "KeySchema": [{"AttributeName": name, "KeyType": key} for name, key, _ in keys],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
                    + ([{"AttributeName": index.sort_key, "KeyType": "RANGE"}] if index.sort_key else []),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ]
            for index in self.indexes:
                attributes[index.partition_key] = "S"
                if index.sort_key:
                    attributes[index.sort_key] = index.sort_key_type
        request["AttributeDefinitions"] = [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()]
        return request


def _stage_table(stage: Stage) -> Table:
    # The sparse GSI holds only the orders still waiting (pending or claimed): a staff queue is one Query.
    return Table(
        stage.table.capitalize(),
        stage.table,
        "order_id",
        ttl="expires_at",
        indexes=(Index("by_queue", "queue_key", "enqueued_at"),),
    )


# The data model, by table name: every access pattern is a GetItem or a Query on one of these.
TABLES: Final = {
    table.name: table
    for table in (
        Table("Tenants", "tenants"),
        Table("Users", "usuarios", "user_id", indexes=(Index("by_email", "tenant_id", "email"),)),
        Table(
            "Tokens",
            "tokens",
            "token_hash",
            ttl="expires_at",
            indexes=(Index("by_subject", "subject_key", "expires_at", "N"),),
        ),
        Table(
            "Employees",
            "empleados",
            "employee_id",
            indexes=(Index("by_email", "tenant_id", "email"), Index("by_location", "tenant_location", "rol")),
        ),
        Table("Products", "productos", "product_id"),
        Table("Combos", "combos", "combo_id"),
        Table("Locations", "locales", "location_id"),
        Table(
            "Orders",
            "pedidos",
            "order_id",
            ttl="expires_at",
            indexes=(
                Index("by_customer", "customer_key", "created_at"),  # a customer's orders, newest first
                Index("by_location_state", "location_state_key", "created_at"),  # a location's orders in one state
            ),
        ),
        *(_stage_table(stage) for stage in STAGES.values()),
        Table(
            "Connections",
            "conexiones",
            "connection_id",
            ttl="expires_at",
            # by_topic: the realtime notifier's pushes; by_subject (``<tenant>#<subject>``): a person's sockets
            # (a message to one person, and the sockets that end with the session: core.sockets).
            indexes=(
                Index("by_topic", "topic", "connection_id"),
                Index("by_subject", "subject_key", "connection_id"),
            ),
        ),
        # Staff messages (services/realtime): ``message_key = <channel>#<at>#<id>``, so each audience (a role at a
        # location, a person, a location, the tenant) is a key range ordered by time; the sender's copy is the
        # by_sender index (``<tenant>#<employee>`` / ``<at>#<id>``). Each message expires after 90 days.
        Table(
            "Messages",
            "mensajes",
            "message_key",
            ttl="expires_at",
            indexes=(Index("by_sender", "sender_key", "sent_key"),),
        ),
        # Dedup records of asynchronous side effects (e.g. one e-mail per event id), short-lived.
        Table("Idempotency", "idempotencia", "idempotency_key", ttl="expires_at"),
        # The admins' business metrics, aggregated on write (services/metricas): counter rows per location and
        # Lima day (and month), and each counted event's mark; every item expires (TTL) after 13+ months.
        Table("Metrics", "metricas", "metric_key", ttl="expires_at"),
        # Loyalty points (services/puntos): per customer a balance row (``C#<customer>#B``) and ledger rows
        # (``C#<customer>#L#<at>#<order>#<movement>``: a customer's ledger is one Query, newest first), and per order
        # the mark of its movements (``O#<order>``: what was credited, whether it was taken back), which makes each
        # movement happen once. Kept for good (no TTL): a balance is the sum of its ledger.
        Table("Points", "puntos", "points_key"),
        # The Libro de Reclamaciones (services/reclamos): each tenant's entries (``entry_key = n#<numero, 12
        # digits>``, so the book reads in number order), its counter (``entry_key = counter``) and the customers'
        # Idempotency-Key records (``idem#<customer>#<key>``, which expire). A customer's entries, newest first, and
        # the book by estado are one Query each.
        Table(
            "Complaints",
            "reclamaciones",
            "entry_key",
            ttl="expires_at",
            indexes=(
                Index("by_customer", "customer_key", "filed_at"),
                Index("by_estado", "estado_key", "entry_key"),
            ),
        ),
    )
}
