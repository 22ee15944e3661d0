"""The access matrix: every operation of the served OpenAPI document × every kind of caller.

``RULES`` says, for each operation, who may call it. The callers are the anonymous visitor, the
customer who owns the target order and another customer, each staff role at the target's location,
a cook at another location, the admin, and a customer, a cook and an admin of another tenant. The
expected answer of each cell follows from the rule:

- no session on a protected route: 401; a role the rule leaves out: 403;
- an allowed caller of another tenant, another customer or a cook of another location, aimed at the
  target's real ids: 404, as if they did not exist;
- an allowed caller in scope: the rule's status. Mutations aim at ghost ids (404 proves the role
  check let the call through without changing anything); creates send the id or e-mail of an item
  that exists (409).

Every refused cell is followed by a check that the target items are unchanged and nothing was
created. A route missing from ``RULES`` fails ``test_every_operation_has_a_rule``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from access_rules import (
    B_LOCATION,
    ELSEWHERE,
    GHOST,
    GHOSTS,
    HERE,
    PUBLIC,
    RULES,
    SIGNED_IN,
    A,
    B,
    Rule,
    card,
    complaint,
)
from e2e_support import eventually, issue_token
from identity_support import (
    DEMO_PASSWORD,
    call,
    combo_body,
    create,
    create_employee,
    location_body,
    location_fields,
    product_body,
    register,
    role_token,
    token_of,
    unique_email,
)

from scripts.order_driver import HTTP, seed_paid_order, start_workflow, state_machine_arn

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Caller:
    name: str
    tenant: str
    rol: str | None  # None: anonymous
    in_scope: bool = True  # owns the target order / works at the target's location

    @property
    def kind(self) -> str:
        return "customer" if self.rol == "cliente" else "employee"


CALLERS = (
    Caller("anonymous", A, None),
    Caller("owner customer", A, "cliente"),
    Caller("other customer", A, "cliente", in_scope=False),
    *(Caller(f"{rol} here", A, rol) for rol in ("cocinero", "empaquetador", "repartidor")),
    Caller("cocinero elsewhere", A, "cocinero", in_scope=False),
    Caller("admin", A, "admin"),
    Caller("customer of B", B, "cliente", in_scope=False),
    Caller("cocinero of B", B, "cocinero", in_scope=False),
    Caller("admin of B", B, "admin", in_scope=False),
)


def expected(rule: Rule, caller: Caller) -> int:
    if rule.who != PUBLIC:
        if caller.rol is None:
            return 401
        if rule.who != SIGNED_IN and caller.rol not in rule.who:
            return 403
    if caller.tenant != A:
        return _in_another_tenant(rule)
    if not caller.in_scope and ("{order}" in rule.path or "{complaint}" in rule.path):
        return rule.elsewhere  # another customer's order or complaint, another location's ticket
    return rule.status


def _in_another_tenant(rule: Rule) -> int:
    """An allowed caller of tenant B (its token and header name B) on this request."""
    if rule.foreign is not None:
        return rule.foreign
    if "{" in rule.path:
        return 404  # tenant A's ids do not exist in B
    return 201 if rule.body in TAKEN_BODIES else rule.status  # what is taken in A is free in B


TAKEN_BODIES = ("PRODUCT_TAKEN", "COMBO_TAKEN", "LOCATION_TAKEN", "EMPLOYEE_TAKEN")


def _complaint_unknown_in_b(cloud: Any, token: str, order_id: str) -> int:
    """A complaint of tenant A whose number tenant B's book will not have while the matrix runs. Each tenant numbers
    its own book from 1, and the matrix itself files a few in B (POST /reclamaciones by B's callers): on a fresh
    cloud both books would have a #1, and B's callers would rightly read their own."""
    counter = boto3.client("dynamodb").get_item(
        TableName=cloud.table("reclamaciones"), Key={"tenant_id": {"S": B}, "entry_key": {"S": "counter"}}
    )
    beyond = int(counter.get("Item", {}).get("last_numero", {}).get("N", "0")) + B_FILINGS_MARGIN
    for _ in range(beyond + 1):
        filed = call(cloud, "POST", "reclamaciones", token=token, json={**complaint(), "order_id": order_id})
        assert filed.status_code == 201, filed.text
        if (numero := int(filed.json()["numero"])) > beyond:
            return numero
    raise AssertionError(f"tenant A's book did not pass number {beyond}")


B_FILINGS_MARGIN = 5  # more than the complaints tenant B's callers file in one run of the matrix


@dataclass
class World:
    """Tenant A's targets (fresh), the callers' tokens, and what a refused call must leave untouched."""

    cloud: Any
    ids: dict[str, str]
    customer_email: str
    employee_email: str
    tokens: dict[str, str | None] = field(default_factory=dict)

    def token(self, caller: Caller, rule: Rule) -> str | None:
        if caller.rol is None:
            return None
        if rule.fresh:
            return self._fresh_token(caller, account=rule.fresh == "account")
        return self.tokens[caller.name]

    def _fresh_token(self, caller: Caller, *, account: bool = True) -> str:
        """A new session of the caller's kind: of a newly registered customer, or issued directly."""
        if caller.rol == "cliente" and account:
            _, email, password = register(self.cloud, caller.tenant)
            return token_of(self.cloud, caller.tenant, email, password)
        location = {A: HERE if caller.in_scope else ELSEWHERE, B: B_LOCATION}[caller.tenant]
        return issue_token(
            self.cloud,
            caller.tenant,
            subject_id=f"matrix-{uuid.uuid4().hex[:8]}",
            kind=caller.kind,
            rol=caller.rol,
            **({} if caller.rol == "cliente" else {"location_id": location}),
        )

    def snapshot(self) -> dict[str, Any]:
        """Tenant A's targets (one BatchGetItem) and the item counts of the tables a create writes to."""
        dynamodb = boto3.client("dynamodb")
        keys = {
            "productos": ("product_id", "product"),
            "combos": ("combo_id", "combo"),
            "locales": ("location_id", "location"),
            "empleados": ("employee_id", "employee"),
            "pedidos": ("order_id", "order"),
        }
        request = {
            self.cloud.table(table): {
                "Keys": [{"tenant_id": {"S": A}, key: {"S": self.ids[target]}}],
                "ConsistentRead": True,
            }
            for table, (key, target) in keys.items()
        }
        request[self.cloud.table("reclamaciones")] = {
            "Keys": [{"tenant_id": {"S": A}, "entry_key": {"S": f"n#{int(self.ids['complaint']):012d}"}}],
            "ConsistentRead": True,
        }
        found = dynamodb.batch_get_item(RequestItems=request)["Responses"]
        items: dict[str, Any] = {table: found.get(self.cloud.table(table)) for table in [*keys, "reclamaciones"]}
        for table in ("productos", "combos", "locales", "empleados"):
            items[f"{table} count"] = dynamodb.scan(TableName=self.cloud.table(table), Select="COUNT")["Count"]
        return items


@pytest.fixture(scope="module")
def world(cloud) -> World:
    admin = role_token(cloud, A, "admin")
    product_id = create(cloud, admin, "producto", product_body())["product_id"]
    combo_id = create(cloud, admin, "combos", combo_body([product_id]))["combo_id"]
    location_id = create(cloud, admin, "locales", location_body())["location_id"]
    employee, employee_email = create_employee(cloud, admin, rol="cocinero", location_id=HERE)
    owner, customer_email, password = register(cloud, A)
    order_id = seed_paid_order(
        boto3.client("dynamodb"),
        cloud.table("pedidos"),
        tenant_id=A,
        location_id=HERE,
        dispatch="delivery",
        customer_id=owner["user_id"],
        customer_email=customer_email,
    )
    # The order waits in the kitchen of HERE: a cook elsewhere must not see or take it.
    sfn = boto3.client("stepfunctions")
    start_workflow(sfn, state_machine_arn(sfn), tenant_id=A, order_id=order_id, location_id=HERE, dispatch="delivery")
    owner_token = token_of(cloud, A, customer_email, password)
    numero = _complaint_unknown_in_b(cloud, owner_token, order_id)
    world = World(
        cloud,
        {
            "product": product_id,
            "combo": combo_id,
            "location": location_id,
            "employee": employee["employee_id"],
            "order": order_id,
            "complaint": str(numero),
            "customer": owner["user_id"],
        },
        customer_email,
        employee_email,
    )
    world.tokens["owner customer"] = owner_token
    for caller in CALLERS:
        if caller.rol is not None and caller.name not in world.tokens:
            world.tokens[caller.name] = world._fresh_token(caller)
    cook = world.tokens["cocinero here"]
    eventually(lambda: order_id in call(cloud, "GET", "cocina", token=cook).text or None)
    return world


def _body(rule: Rule, world: World, caller: Caller) -> Any:
    # A create names an item or e-mail taken in A; a caller of B sends a fresh one (it is B's to create).
    taken = caller.tenant == A
    match rule.body:
        case "PRODUCT_TAKEN":
            return product_body(**({"product_id": world.ids["product"]} if taken else {}))
        case "PRODUCT_FIELDS":
            return {k: v for k, v in product_body().items() if k != "product_id"}
        case "COMBO_TAKEN":
            return combo_body(["clasica"], **({"combo_id": world.ids["combo"]} if taken else {}))
        case "COMBO_FIELDS":
            return {k: v for k, v in combo_body(["clasica"]).items() if k != "combo_id"}
        case "LOCATION_TAKEN":
            return location_body(**({"location_id": world.ids["location"]} if taken else {}))
        case "LOCATION_FIELDS":
            return location_fields(location_body())
        case "EMPLOYEE_TAKEN":
            email, location = (world.employee_email, HERE) if taken else (unique_email("matriz"), B_LOCATION)
            return {"name": "Otra Persona", "email": email, "rol": "cocinero", "location_id": location}
        case "REGISTER":
            # A new address each time: mails to one address are limited per hour.
            return {"email": unique_email("matriz"), "password": "Otra-Clave-2026", "name": "Otra Persona"}
        case "ADDRESS":
            return {"email": unique_email("matriz")}
        case "WRONG_PASSWORD":
            # Unknown addresses: the login throttle (per address) must not turn the cells into 429s.
            return {"email": unique_email("nadie"), "password": f"not-{DEMO_PASSWORD}"}
        case "ORDER":
            return {
                "location_id": HERE,
                "dispatch": "pickup",
                "items": [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 1}],
            }
        case "CARD":
            return card()
        case "COMPLAINT":
            return complaint()
        case "WEBHOOK":
            return {"type": "payment", "action": "payment.updated", "data": {"id": "123456"}}
    return rule.body


def _path(rule: Rule, world: World, caller: Caller) -> str:
    ghost = rule.mutates and caller.tenant == A and caller.in_scope and expected(rule, caller) == rule.status
    ids = {name: GHOSTS.get(name, GHOST) if ghost else value for name, value in world.ids.items()}
    return rule.path.format(**ids)


@pytest.fixture(scope="module")
def document(cloud) -> dict[str, Any]:
    return HTTP.get(cloud.urls.openapi, timeout=30).json()


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m.upper(), path) for path, item in document["paths"].items() for m in item if m in methods}


def test_every_operation_has_a_rule(document) -> None:
    # A new route fails here until the matrix says who may call it.
    operations = _operations(document)
    assert operations - RULES.keys() == set(), "operations without a rule in RULES"
    assert RULES.keys() - operations == set(), "rules for operations the API no longer serves"


# Creates run after the operations on ids (tenant B's admin creates B's own items with A's ids, which
# must not exist in B before), and DELETE /perfil and logout, which end what they act on, run last.
ORDERED = sorted(RULES, key=lambda op: (RULES[op].fresh is not None, RULES[op].body in TAKEN_BODIES))


@pytest.mark.parametrize("operation", ORDERED, ids=[f"{m} {p}" for m, p in ORDERED])
def test_each_caller_gets_the_answer_its_rule_gives(world: World, operation: tuple[str, str]) -> None:
    rule = RULES[operation]
    cells = [(caller, expected(rule, caller)) for caller in CALLERS]
    refused = [(caller, want) for caller, want in cells if want in (401, 403, 404)]
    # The refused cells first, between two snapshots: none of them may write anything.
    before = world.snapshot()
    wrong = [_ask(world, operation, rule, caller, want) for caller, want in refused]
    if world.snapshot() != before:
        wrong.append(f"refused calls wrote something: {[c.name for c, _ in refused]}")
    wrong += [_ask(world, operation, rule, caller, want) for caller, want in cells if (caller, want) not in refused]
    assert not any(wrong), "\n".join(filter(None, wrong))


def _ask(world: World, operation: tuple[str, str], rule: Rule, caller: Caller, want: int) -> str:
    """The call of one cell; what went wrong, or an empty string."""
    response = call(
        world.cloud,
        operation[0],
        _path(rule, world, caller),
        token=world.token(caller, rule),
        tenant=caller.tenant,
        json=_body(rule, world, caller),
    )
    if response.status_code == want:
        return ""
    return f"{caller.name}: {response.status_code} (want {want}) {response.text[:200]}"
