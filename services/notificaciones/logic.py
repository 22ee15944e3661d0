"""What the notifier does with one event: render its email, send it once, or say why not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    Each overdue alert is one per order, stage and alert time (the workflow's ``at``); the daily summary one per
    tenant (the ledger's partition) and Lima day. Other emails are one per event (each invitation is its own).
    """
    if event.detail_type == contracts.ORDER_STATUS_CHANGED:
        order_id, estado = event.detail.get("order_id"), event.detail.get("estado_pedido")
        if order_id and estado:
            return f"estado#{order_id}#{estado}"
    if event.detail_type in (contracts.COMPLAINT_FILED, contracts.COMPLAINT_ANSWERED):
        numero = event.detail.get("numero")
        if numero:
            return f"reclamo#{numero}#{event.detail_type}"
    if event.detail_type == contracts.ORDER_OVERDUE:
        order_id, estado, at = (event.detail.get(k) for k in ("order_id", "estado_pedido", "at"))
        if order_id and estado and at:
            return f"vencido#{order_id}#{estado}#{at}"
    if event.detail_type == contracts.DAILY_SUMMARY_REQUESTED and event.detail.get("day"):
        return f"resumen#{event.detail['day']}"
    return event.id


# The e-mails one event may cause, each under its own ledger keys: the customer's (the key as it always was), and
# the staff's (notificaciones.staff_mails), under ``staff#<key>``.
Audiences = Sequence[tuple[str, Mapping[str, Renderer]]]


def deliver_all(event: EventEnvelope, *, audiences: Audiences, ledger: Ledger, mailer: Mailer) -> Outcome:
    """``deliver`` each audience's e-mail of ``event`` in turn: a failure raises (the redelivery skips the e-mails
    already sent, which the ledger remembers); ``sent`` if any was sent now."""
    outcomes = [
        deliver(event, renderers=renderers, ledger=ledger, mailer=mailer, scope=scope)
        for scope, renderers in audiences
        if event.detail_type in renderers
    ]
    if not outcomes:
        logger.warning("no email for this event", extra={"detail_type": event.detail_type, "event_id": event.id})
        return "ignored"
    for outcome in ("sent", "duplicate"):
        if outcome in outcomes:
            return outcome
    return "ignored"


def deliver(
    event: EventEnvelope, *, renderers: Mapping[str, Renderer], ledger: Ledger, mailer: Mailer, scope: str = ""
) -> Outcome:
    """Send the email of ``event`` at most once per ``scope + dedup_key`` (as far as SMTP lets anyone know).

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
    key = scope + dedup_key(event)
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
