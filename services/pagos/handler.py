"""Payments webhook: ``POST /pagos/webhook/{tenant}`` (public; Mercado Pago signs every notification).

401 for a bad or stale signature (nothing read beyond the tenant's config, nothing written);
200 once the payment is settled; 5xx only when a retry can help (Mercado Pago retries).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.api import create_resolver
from core.clock import utc_now
from core.models import BaseModel
from core.observability import entry_point, logger
from core.request_limits import unreadable
from pagos import logic, runtime

TenantPath = Annotated[str, Path(max_length=63, description="The tenant whose account sent the notification")]


class Received(BaseModel):
    status: str


app = create_resolver("pagos")


def _body() -> dict[str, Any]:
    try:
        body = json.loads(app.current_event.body or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@app.post("/pagos/webhook/<tenant>")
def webhook(tenant: TenantPath) -> Received:
    event = app.current_event
    notification = logic.notification_from(tenant, event.query_string_parameters or {}, event.headers or {}, _body())
    logger.append_keys(tenant_id=tenant, data_id=notification.data_id)
    outcome = logic.handle_notification(
        notification,
        tenants=runtime.tenants(),
        gateways=runtime.gateway,
        store=runtime.settlement(),
        stock=runtime.stock(),
        topic=runtime.topic(),
        bus=runtime.bus(),
        now=utc_now(),
    )
    return Received(status=outcome)


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
