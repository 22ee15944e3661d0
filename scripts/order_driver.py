"""Drive orders through a running platform (the local cloud or AWS) as the order starter and the staff would.

Used by ``make bench`` and the workflow's end-to-end tests. ``seed_paid_order`` writes an order the
way the orders service stores a paid one; ``start_workflow`` starts its execution the way the order
starter does (execution name = order id, the tenant's SLA in seconds); ``Staff`` calls the REST routes;
``card_token`` tokenizes a Mercado Pago test card (what Mercado Pago JS does in the customer's browser).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from boto3.dynamodb.types import TypeSerializer

from core import contracts
from core.clock import utc_now_iso

_serializer = TypeSerializer()

# One HTTP client for the staff's (and the tests') requests, its connections kept alive: httpx.get/post/request make
# a client per call, and a client's SSL context alone costs about 45 ms of CPU (a request on a shared client: under
# 2 ms). Like those functions' clients it keeps no cookie between requests and waits 5 s unless told otherwise.
HTTP = httpx.Client(timeout=5.0, cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])))


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def new_order_id() -> str:
    return uuid.uuid4().hex


def card_token(mercadopago_url: str, access_token: str, holder: str = "APRO") -> str:
    """A card token from Mercado Pago (the local cloud's fake: ``mercadopago_url``) through the real SDK.

    The cardholder name decides the test outcome: ``APRO`` approved, ``OTHE`` rejected, ...
    """
    from pagos.sdk import sdk_for  # services/ on the path, as the functions import it

    answer = (
        sdk_for(access_token, mercadopago_url)
        .card_token()
        .create(
            {
                "card_number": "4009175332806176",
                "security_code": "123",
                "expiration_month": 11,
                "expiration_year": 2030,
                "cardholder": {"name": holder},
            }
        )
    )
    if answer.get("status") != 201:
        raise RuntimeError(f"Mercado Pago refused the card token: {answer}")
    return str(answer["response"]["id"])


def state_machine_arn(sfn: Any) -> str:
    return next(
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("pedido")
    )


def seed_paid_order(
    dynamodb: Any,
    table: str,
    *,
    tenant_id: str,
    location_id: str,
    dispatch: str,
    customer_id: str,
    order_id: str | None = None,
    customer_email: str = "cliente@demo.pe",
) -> str:
    order_id = order_id or new_order_id()
    at = utc_now_iso()
    fee = 500 if dispatch == "delivery" else 0
    dynamodb.put_item(
        TableName=table,
        Item=to_item(
            {
                "tenant_id": tenant_id,
                "order_id": order_id,
                "customer_id": customer_id,
                "customer_key": f"{tenant_id}#{customer_id}",  # core.orders.customer_key
                "customer_email": customer_email,
                "customer_name": "Cliente Demo",
                "location_id": location_id,
                "location_state_key": f"{tenant_id}#{location_id}#PAGADO",  # core.orders.location_state_key
                "dispatch": dispatch,
                "address": "Av. José Larco 345, Miraflores" if dispatch == "delivery" else None,
                "items": [
                    {
                        "kind": "producto",
                        "item_id": "clasica",
                        "name": "Hamburguesa Clásica",
                        "size": "regular",
                        "quantity": 2,
                        "unit_price_cents": 1590,
                        "line_total_cents": 3180,
                    }
                ],
                "subtotal_cents": 3180,
                "delivery_fee_cents": fee,
                "total_cents": 3180 + fee,
                "currency": "PEN",
                "estado_pedido": "PAGADO",
                "created_at": at,
                "updated_at": at,
                "history": [
                    {"estado": "PENDIENTE_PAGO", "at": at, "by": f"cliente:{customer_id}"},
                    {"estado": "PAGADO", "at": at, "by": "mercadopago"},
                ],
            }
        ),
    )
    return order_id


def start_workflow(
    sfn: Any,
    machine_arn: str,
    *,
    tenant_id: str,
    order_id: str,
    location_id: str,
    dispatch: str,
    sla: dict[str, int] | None = None,
) -> str:
    execution = sfn.start_execution(
        stateMachineArn=machine_arn,
        name=order_id,
        input=json.dumps(
            {
                "tenant_id": tenant_id,
                "order_id": order_id,
                "location_id": location_id,
                "dispatch": dispatch,
                "sla": sla or contracts.SlaMinutes().seconds(),
            }
        ),
    )
    return str(execution["executionArn"])


@dataclass
class Staff:
    """One staff session calling the stage routes."""

    api: str  # the REST API base URL, ending in '/'
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def queue(self, stage: str, location_id: str | None = None) -> httpx.Response:
        params = {"location_id": location_id} if location_id else None
        return HTTP.get(f"{self.api}{contracts.STAGES[stage].slug}", headers=self._headers(), params=params, timeout=30)

    def claim(self, stage: str, order_id: str) -> httpx.Response:
        return HTTP.post(
            f"{self.api}{contracts.STAGES[stage].slug}/{order_id}/tomar", headers=self._headers(), timeout=30
        )

    def complete(self, stage: str, order_id: str) -> httpx.Response:
        return HTTP.post(
            f"{self.api}{contracts.STAGES[stage].slug}/{order_id}/completar", headers=self._headers(), timeout=30
        )
