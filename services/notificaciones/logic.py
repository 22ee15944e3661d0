"""What the notifier does with one event: render its email, send it once, or say why not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from core import contracts
from core.observability import logger
from notificaciones.dal import Claim, DependencyError
from notificaciones.models import Email, EventEnvelope
from notificaciones.templates import Renderer

Outcome = Literal["sent", "duplicate", "ignored"]


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


class Ledger(Protocol):
    def claim(self, tenant_id: str, event_id: str) -> Claim: ...
    def confirm(self, tenant_id: str, event_id: str) -> None: ...
    def release(self, tenant_id: str, event_id: str) -> None: ...


class EmailInFlight(Exception):
    """Another delivery of the same event is sending it right now; retry after its lease."""


def dedup_key(event: EventEnvelope) -> str:
    """What "the same email" means for ``event``.

    A status change is one email per order and state, whatever event carries it: the stage
    consumer may publish the same change again after a redelivery, under a new event id.
    A complaint's copy and its answer are one email each per entry: the complaints service publishes again when a
    request is retried (so that a failure after its write still tells the customer).
    Other emails are one per event (each overdue alert, each invitation is its own).
    """
    if event.detail_type == contracts.ORDER_STATUS_CHANGED:
        order_id, estado = event.detail.get("order_id"), event.detail.get("estado_pedido")
        if order_id and estado:
            return f"estado#{order_id}#{estado}"
    if event.detail_type in (contracts.COMPLAINT_FILED, contracts.COMPLAINT_ANSWERED):
        numero = event.detail.get("numero")
        if numero:
            return f"reclamo#{numero}#{event.detail_type}"
    return event.id


def deliver(event: EventEnvelope, *, renderers: Mapping[str, Renderer], ledger: Ledger, mailer: Mailer) -> Outcome:
    """Send the email of ``event`` at most once per ``dedup_key`` (as far as SMTP lets anyone know).

    Unknown detail types are acknowledged (logged, not retried). A detail that does not match its
    model, or a failed send, raises: the queue redelivers it and, after its receive limit, moves it
    to the DLQ (whose alarm pages someone). Nothing is dropped silently.
    """
    renderer = renderers.get(event.detail_type)
    if renderer is None:
        logger.warning("no email for this event", extra={"detail_type": event.detail_type, "event_id": event.id})
        return "ignored"
    email = renderer(event.detail)
    if email is None:  # this event needs no email (e.g. a state whose email another part sends)
        return "ignored"
    tenant_id = str(event.detail["tenant_id"])
    key = dedup_key(event)
    claim = ledger.claim(tenant_id, key)
    if claim == "already_sent":
        logger.info("email already sent for this event", extra={"detail_type": event.detail_type})
        return "duplicate"
    if claim == "in_flight":
        raise EmailInFlight(f"event {event.id} is being sent by another delivery")
    try:
        mailer.send(email)
    except Exception:
        try:
            ledger.release(tenant_id, key)
        except DependencyError:
            logger.exception("could not release the claim; it expires with its lease")
        raise
    try:
        ledger.confirm(tenant_id, key)
    except DependencyError:
        # The email is out: retrying now would send it twice. The claim's lease covers the redelivery window.
        logger.exception("email sent but not recorded as sent")
    logger.info("email sent", extra={"detail_type": event.detail_type, "recipients": len(email.to)})
    return "sent"
