"""Demo accounts of one tenant: active staff of every role at its first location, and a verified demo customer.

Goes through the services' own logic (registration and verification, invitation and activation), so the accounts
are exactly what the APIs would create; works against the local cloud and against AWS.
Idempotent: an account whose email already exists is left as it is. Imports the services'
packages, so ``services/`` must be on ``sys.path`` (``localcloud.seed`` puts it there).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from core.clock import utc_now
from core.principal import Principal
from core.sessions import SessionStore
from core.tenants import TenantDirectory
from empleados import logic as employees_logic
from empleados.dal import EmployeesDal
from empleados.models import ActivateRequest, EmployeeCreate
from usuarios import logic as users_logic
from usuarios.dal import Throttle, UsersDal
from usuarios.models import RegisterRequest, VerifyRequest

DEMO_PASSWORD = "Bembos2026!"  # noqa: S105 - a published demo password, local data only
STAFF = (
    ("admin", "admin", "Administradora Demo"),
    ("cocinero", "cocina", "Cocinero Demo"),
    ("empaquetador", "empaque", "Empaquetador Demo"),
    ("repartidor", "delivery", "Repartidor Demo"),
)
CUSTOMER_EMAIL = "cliente@demo.pe"


class _Capture:
    """An event publisher that sends nothing (no demo emails) and keeps the last invitation or verification link."""

    def __init__(self) -> None:
        self.invite_url = ""
        self.link_url = ""

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        self.invite_url = str(detail.get("invite_url", self.invite_url))
        self.link_url = str(detail.get("url", self.link_url))


def _token(url: str) -> str:
    return parse_qs(urlparse(url).fragment)["token"][0]


def _first_location(dynamodb: Any, tables: dict[str, str], tenant_id: str) -> str:
    """The location of the tenant's onboarded admin (its first location)."""
    tenant = dynamodb.get_item(TableName=tables["tenants"], Key={"tenant_id": {"S": tenant_id}})["Item"]
    admins = dynamodb.query(
        TableName=tables["empleados"],
        IndexName="by_email",
        KeyConditionExpression="tenant_id = :t AND email = :e",
        ExpressionAttributeValues={":t": {"S": tenant_id}, ":e": {"S": tenant["admin_email"]["S"].lower()}},
    )["Items"]
    if admins:
        return str(admins[0]["location_id"]["S"])
    first = dynamodb.query(
        TableName=tables["locales"],
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}},
        Limit=1,
    )["Items"]
    return str(first[0]["location_id"]["S"])


def seed_identity(dynamodb: Any, tables: dict[str, str], tenant_id: str) -> dict[str, Any]:
    """Create the demo accounts of ``tenant_id`` (once) and return their credentials."""
    capture = _Capture()
    employees = EmployeesDal(
        dynamodb,
        employees_table=tables["empleados"],
        locations_table=tables["locales"],
        tokens_table=tables["tokens"],
    )
    sessions = SessionStore(dynamodb, tables["tokens"])
    tenants = TenantDirectory(dynamodb, tables["tenants"])
    invitations = employees_logic.InvitationPolicy(staff_app_url="http://seed.invalid")
    inviter = employees_logic.Inviter(sessions, tenants, capture, invitations)
    users = UsersDal(
        dynamodb, users_table=tables["usuarios"], employees_table=tables["empleados"], tokens_table=tables["tokens"]
    )
    location = _first_location(dynamodb, tables, tenant_id)
    seeder = Principal(tenant_id=tenant_id, subject_id="seed", kind="employee", rol="admin")
    staff: list[dict[str, str]] = []
    for rol, prefix, name in STAFF:
        email = f"{prefix}.{location}@{tenant_id}.pe"
        if users.find_account("employee", tenant_id, email) is None:
            now = utc_now()
            body = EmployeeCreate(name=name, email=email, rol=rol, location_id=location)
            employees_logic.create_employee(
                seeder,
                body,
                dal=employees,
                inviter=inviter,
                now=now,
            )
            activation = ActivateRequest(token=_token(capture.invite_url), password=DEMO_PASSWORD)
            employees_logic.activate(activation, dal=employees, sessions=sessions, now=now)
        staff.append({"rol": rol, "email": email, "password": DEMO_PASSWORD, "location_id": location})
    customer = users.find_account("customer", tenant_id, CUSTOMER_EMAIL)
    if customer is None or customer.pending_verification:  # else registered and verified by an earlier run
        links = users_logic.LinkPolicy(customer_app_url="http://seed.invalid")
        mailer = users_logic.Mailer(sessions, Throttle(dynamodb, tables["tokens"]), capture, links)
        users_logic.register(
            RegisterRequest(email=CUSTOMER_EMAIL, password=DEMO_PASSWORD, name="Cliente Demo", phone="987654321"),
            tenant_id=tenant_id,
            tenants=tenants,
            dal=users,
            mailer=mailer,
            now=utc_now(),
        )
        verification = VerifyRequest(token=_token(capture.link_url))
        users_logic.verify(
            verification, tenants=tenants, dal=users, sessions=sessions, publisher=capture, now=utc_now()
        )
    return {"staff": staff, "customer": {"email": CUSTOMER_EMAIL, "password": DEMO_PASSWORD}}
