"""The messages' REST routes for staff and admins: ``GET /mensajes`` (the caller's history, newest first, by pages)
and ``GET /mensajes/contactos`` (whom the caller may write to one by one). The tenant, the role and the location
are the caller's; an admin may name a location (``location_id``)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from core.validation import CATALOG_ID_PATTERN
from realtime import messages, runtime
from realtime.models import Contacts, MessagePage

STAFF = contracts.ROLES
Location = Annotated[
    str | None,
    Query(description="Admins only: a location of the tenant", json_schema_extra={"pattern": CATALOG_ID_PATTERN}),
]
Limit = Annotated[int, Query(ge=1, le=messages.HISTORY_LIMIT_MAX, description="Messages per page (1..100)")]
Cursor = Annotated[str | None, Query(max_length=512, description="The previous page's next_cursor")]

app = create_resolver("mensajes")


@app.get("/mensajes", middlewares=requires(*STAFF))
def get_history(limit: Limit = 50, cursor: Cursor = None, location_id: Location = None) -> MessagePage:
    """The messages addressed to the caller (their role at their location, them, their location, the tenant) and
    the ones they sent, newest first."""
    return messages.history(caller(app), limit=limit, cursor=cursor, location_id=location_id, dal=runtime.messages())


@app.get("/mensajes/contactos", middlewares=requires(*STAFF))
def get_contacts(location_id: Location = None) -> Contacts:
    """The active staff of the caller's location and the tenant's admins (admins: every active employee)."""
    return messages.contacts(caller(app), location_id=location_id, dal=runtime.messages())


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
