"""The Mercado Pago webhook: verify the signature, fetch the payment, settle it on its order.

The signature (``x-signature: ts=<ts>,v1=<hex>``) is an HMAC-SHA256 with the tenant's webhook
secret over ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``. ``ts`` is accepted in seconds or
milliseconds and must be within ``MAX_SKEW_SECONDS`` of now. Nothing is read or written for a bad
signature. The body is never trusted: the payment is fetched from Mercado Pago.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import web
from core.errors import Unauthenticated
from core.observability import logger
from core.tenant_config import TenantConfig, TenantConfigs, UnknownTenant
from core.validation import TENANT_ID_RE
from pagos.gateway import MercadoPagoGateway
from pagos.settlement import ApprovedTopic, Bus, Outcome, PaymentFacts, SettlementStore, Stock, settle

MAX_SKEW_SECONDS = 300
MILLISECONDS_THRESHOLD = 10**11  # a Unix time above this is in milliseconds


class BadSignature(Unauthenticated):
    code = "invalid_signature"


@dataclass(frozen=True)
class Notification:
    tenant_id: str
    data_id: str
    topic: str
    request_id: str
    signature: str


def notification_from(
    tenant_id: str, query: Mapping[str, str], headers: Mapping[str, str], body: Mapping[str, Any]
) -> Notification:
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    data_id = str(query.get("data.id") or query.get("id") or (data or {}).get("id") or "")
    topic = str(query.get("type") or query.get("topic") or body.get("type") or "")
    return Notification(
        tenant_id=tenant_id,
        data_id=data_id.lower() if data_id.isalnum() else data_id,
        topic=topic,
        request_id=web.header(headers, "x-request-id") or "",
        signature=web.header(headers, "x-signature") or "",
    )


def _signature_parts(header: str) -> tuple[str, str]:
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    return parts.get("ts", ""), parts.get("v1", "")


def verify(notification: Notification, secret: str, now: float) -> None:
    """Raise ``BadSignature`` unless the HMAC matches and ``ts`` is fresh."""
    ts, v1 = _signature_parts(notification.signature)
    if not ts.isdigit() or not v1 or not notification.data_id or not notification.request_id:
        raise BadSignature("The notification is not signed")
    seconds = int(ts) / 1000 if int(ts) > MILLISECONDS_THRESHOLD else int(ts)
    if abs(now - seconds) > MAX_SKEW_SECONDS:
        raise BadSignature("The notification signature is stale")
    manifest = f"id:{notification.data_id};request-id:{notification.request_id};ts:{ts};"
    expected = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, v1.lower()):
        raise BadSignature("The notification signature does not match")


def handle_notification(
    notification: Notification,
    *,
    tenants: TenantConfigs,
    gateways: Callable[[TenantConfig], MercadoPagoGateway],
    store: SettlementStore,
    stock: Stock,
    topic: ApprovedTopic,
    bus: Bus,
    now: datetime,
) -> Outcome:
    if not TENANT_ID_RE.match(notification.tenant_id):
        raise BadSignature("The notification is not signed")
    try:
        tenant = tenants.get(notification.tenant_id)
    except UnknownTenant as exc:
        raise BadSignature("The notification is not signed") from exc
    gateway = gateways(tenant)
    verify(notification, gateway.webhook_secret, now.timestamp())
    if notification.topic != "payment":
        logger.info("notification ignored", extra={"topic": notification.topic})
        return "ignored"
    payment = gateway.get_payment(notification.data_id)
    facts = PaymentFacts.from_mercadopago(payment)
    return settle(tenant.tenant_id, facts, store=store, topic=topic, bus=bus, now=now, refunds=gateway, stock=stock)
