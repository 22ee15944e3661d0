"""``Tenant``: onboarding one restaurant business is one instance of this construct.

A tenant is data, not infrastructure: the construct writes the tenant's
configuration, its locations and its first admin (invited, no password yet)
into the shared tables with one ``AwsCustomResource`` (the SDK call is in the
template, so the local cloud replays exactly the same call). Given the platform's
``Invitations`` (bus and rule), a second one puts ``EmployeeInvitationRequested``
on the bus, and the invitations worker emails the admin a one-time activation link.
One more tenant adds at most four CloudFormation resources (two custom resources
and their policies); the provider function is a singleton per stack shared by all tenants.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct
from constructs.nag import acknowledge

from core import contracts

# Fixed namespace so ids derived from names stay stable across deploys.
_ID_NAMESPACE = uuid.UUID("7d3f7c52-54b0-4a39-9a59-6b1f0c2a4e11")
DISPATCH_TYPES = ("delivery", "pickup")
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems


@dataclass(frozen=True)
class Location:
    """A store (local) of the tenant."""

    location_id: str
    name: str
    address: str
    district: str
    lat: float
    lng: float
    phone: str
    dispatch_types: tuple[str, ...] = DISPATCH_TYPES
    opening_hours: Mapping[str, str] = field(
        default_factory=lambda: {day: "11:00-23:00" for day in ("lun", "mar", "mie", "jue", "vie", "sab", "dom")}
    )


@dataclass(frozen=True)
class TenantTables:
    tenants: dynamodb.ITable
    locations: dynamodb.ITable
    employees: dynamodb.ITable


@dataclass(frozen=True)
class Invitations:
    """Where onboarding asks for the first admin's invitation: the platform's bus, the rule that routes
    ``EmployeeInvitationRequested`` to the invitations queue, and what lets EventBridge deliver there (the
    queue's policy). The one request a tenant sends must follow all of them, or it is lost."""

    bus: events.IEventBus
    rule: events.IRule
    delivery: tuple[Construct, ...] = ()


def to_attribute_value(value: Any) -> dict[str, Any]:
    """Python value -> DynamoDB JSON (what the SDK call in the template carries)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {k: to_attribute_value(v) for k, v in value.items()}}
    if isinstance(value, Sequence):
        return {"L": [to_attribute_value(v) for v in value]}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_attribute_value(v) for k, v in values.items() if v is not None}


class Tenant(Construct):
    """One tenant (restaurant business) of the platform."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: TenantTables,
        tenant_id: str,
        name: str,
        locations: Sequence[Location],
        admin_email: str,
        mercadopago_secret_name: str,
        sla: contracts.SlaMinutes | None = None,
        invitations: Invitations | None = None,
        reclamos_plazo_dias: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not tenant_id.replace("-", "").isalnum() or tenant_id != tenant_id.lower():
            raise ValueError(f"tenant_id {tenant_id!r} must be lower-case letters, digits and '-'")
        if not locations:
            raise ValueError(f"tenant {tenant_id!r} needs at least one location")
        ids = [loc.location_id for loc in locations]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"tenant {tenant_id!r}: location ids used twice: {repeated}")
        for location in locations:
            unknown = set(location.dispatch_types) - set(DISPATCH_TYPES)
            if unknown:
                raise ValueError(f"location {location.location_id!r}: unknown dispatch types {sorted(unknown)}")
        if mercadopago_secret_name.rsplit("/", 1)[-1] != tenant_id:  # core.tenant_config refuses any other
            raise ValueError(f"tenant {tenant_id!r}: its Mercado Pago secret must be named after it (.../{tenant_id})")
        if reclamos_plazo_dias is not None and not 1 <= reclamos_plazo_dias <= 60:
            raise ValueError(f"tenant {tenant_id!r}: reclamos_plazo_dias must be 1-60 business days")
        self.tenant_id = tenant_id
        self.admin_email = admin_email.lower()
        self.config = {
            "tenant_id": tenant_id,
            "name": name,
            "admin_email": admin_email,
            "mercadopago_secret_name": mercadopago_secret_name,
            "sla_minutes": asdict(sla or contracts.SlaMinutes()),
            # Business days to answer a complaint (the Libro de Reclamaciones' legal term).
            "reclamos_plazo_dias": reclamos_plazo_dias or contracts.DEFAULT_COMPLAINT_TERM_DAYS,
            "status": "active",
        }
        self.locations = tuple(locations)
        self.admin_employee_id = str(uuid.uuid5(_ID_NAMESPACE, f"{tenant_id}/{admin_email.lower()}"))
        self._seed(tables)
        if invitations is not None:
            self._invite_first_admin(invitations)

    def _location_items(self) -> list[dict[str, Any]]:
        return [
            to_item(
                {
                    "tenant_id": self.tenant_id,
                    "location_id": loc.location_id,
                    "name": loc.name,
                    "address": loc.address,
                    "district": loc.district,
                    "lat": loc.lat,
                    "lng": loc.lng,
                    "phone": loc.phone,
                    "dispatch_types": list(loc.dispatch_types),
                    "opening_hours": dict(loc.opening_hours),
                    "paused": False,
                }
            )
            for loc in self.locations
        ]

    def _admin_item(self) -> dict[str, Any]:
        return to_item(
            {
                "tenant_id": self.tenant_id,
                "employee_id": self.admin_employee_id,
                "email": self.admin_email,
                "name": "Administrador",
                "rol": "admin",
                "location_id": self.locations[0].location_id,
                "status": "invited",
            }
        )

    def _admin_email_lock(self) -> dict[str, Any]:
        """The item that keeps the admin's email unique among the tenant's staff (see services/empleados/dal.py)."""
        return to_item(
            {
                "tenant_id": self.tenant_id,
                "employee_id": f"email#{self.admin_email}",
                "owner_id": self.admin_employee_id,
            }
        )

    def _invite_first_admin(self, invitations: Invitations) -> None:
        """Ask for the first admin's invitation email: one ``PutEvents``, on create only.

        It lives in the bus's stack (no reference from the data stack to the messaging stack) and
        after the rule that routes it; the invitations worker makes the token and sends
        ``EmployeeInvited``, and leaves an admin that is already active alone.
        """
        bus_stack = Stack.of(invitations.bus)
        request = cr.AwsSdkCall(
            service="EventBridge",
            action="putEvents",
            parameters={
                "Entries": [
                    {
                        "EventBusName": invitations.bus.event_bus_name,
                        "Source": contracts.EVENT_SOURCE_IDENTITY,
                        "DetailType": contracts.EMPLOYEE_INVITATION_REQUESTED,
                        "Detail": json.dumps({"tenant_id": self.tenant_id, "employee_id": self.admin_employee_id}),
                    }
                ]
            },
            physical_resource_id=cr.PhysicalResourceId.of(f"tenant-{self.tenant_id}-invitation"),
        )
        resource = cr.AwsCustomResource(
            bus_stack,
            f"Invitation-{self.tenant_id}",
            on_create=request,
            install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["events:PutEvents"], resources=[invitations.bus.event_bus_arn])]
            ),
        )
        resource.node.add_dependency(invitations.rule, *invitations.delivery)
        self.invitation = resource
        provider = bus_stack.node.try_find_child("AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", ""))
        if provider is not None:
            acknowledge(
                provider,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "CDK's AwsCustomResource provider (one per stack) logs with the basic execution role; what it may "
                "do is each tenant's own policy, here events:PutEvents on the platform's bus only.",
            )

    def _seed(self, tables: TenantTables) -> None:
        """The tenant's rows in one ``TransactWriteItems``: all written or none, nothing left unprocessed
        (a ``BatchWriteItem`` may leave items unprocessed, which the custom resource never retries)."""
        rows = [
            (tables.tenants.table_name, to_item(self.config)),
            *((tables.locations.table_name, item) for item in self._location_items()),
            (tables.employees.table_name, self._admin_item()),
            (tables.employees.table_name, self._admin_email_lock()),
        ]
        if len(rows) > MAX_TRANSACTION_ITEMS:
            raise ValueError(
                f"tenant {self.tenant_id!r}: {len(rows)} rows to seed, DynamoDB writes at most "
                f"{MAX_TRANSACTION_ITEMS} in one transaction ({MAX_TRANSACTION_ITEMS - 3} locations)"
            )
        on_create = cr.AwsSdkCall(
            service="DynamoDB",
            action="transactWriteItems",
            parameters={"TransactItems": [{"Put": {"TableName": table, "Item": item}} for table, item in rows]},
            physical_resource_id=cr.PhysicalResourceId.of(f"tenant-{self.tenant_id}"),
        )
        # Later deploys refresh the tenant's settings only: locations and staff belong to
        # the tenant's admins from the first deploy on.
        on_update = cr.AwsSdkCall(
            service="DynamoDB",
            action="putItem",
            parameters={"TableName": tables.tenants.table_name, "Item": to_item(self.config)},
            physical_resource_id=cr.PhysicalResourceId.of(f"tenant-{self.tenant_id}"),
        )
        resource = cr.AwsCustomResource(
            self,
            "Seed",
            on_create=on_create,
            on_update=on_update,
            install_latest_aws_sdk=False,
            # A transaction is authorized item by item: PutItem on each table it writes (there is no
            # "TransactWriteItems" action to grant).
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["dynamodb:PutItem"],
                        resources=[tables.tenants.table_arn, tables.locations.table_arn, tables.employees.table_arn],
                    )
                ]
            ),
        )
        self.resource = resource
        provider = Stack.of(self).node.try_find_child(
            "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
        )
        if provider is not None:
            acknowledge(
                provider,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "CDK's AwsCustomResource provider (one per stack) logs with the basic execution role; what it may "
                "write is each tenant's own policy, limited to the three tenant tables.",
            )
