"""The rules of the waiting stages: recording an order that enters a stage, and the staff's queue, claim, complete.

Every function takes its collaborators (the DAL, the event publisher) and the time as arguments.
Staff functions take the caller's ``Principal``: keys start from its tenant, and staff act only
at their own location (admins of the tenant at any).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from core import contracts
from core.clock import iso
from core.dynamo import decode_cursor, encode_cursor
from core.errors import Conflict, DependencyFailed, Forbidden, NotFound, ValidationFailed
from core.observability import logger
from core.orders import HistoryEntry, queue_key
from core.principal import Principal
from etapas.dal import ConditionFailed, OrderFacts, StageDal
from etapas.models import (
    EntryOutcome,
    QueueEntry,
    QueueView,
    StageAction,
    StageMessage,
    StageTicket,
    TicketLine,
)

WORKFLOW_ACTOR = contracts.WORKFLOW_ACTOR
COMPLETED_ROW_DAYS = 30  # completed tracking rows expire (TTL) after this long
COMPLETE_ATTEMPTS = 3  # a concurrent token rotation (overdue re-entry) is retried transparently


class Publisher(Protocol):
    def publish(self, source: str, detail_type: str, detail: Mapping[str, Any]) -> None: ...


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def employee_actor(principal: Principal) -> str:
    return f"empleado:{principal.subject_id}"


# -- the consumer ------------------------------------------------------------------------------------


def _ticket(message: StageMessage, order: OrderFacts, sqs: tuple[str | None, int | None]) -> StageTicket:
    lines = [
        TicketLine(
            name=str(line.get("name", line.get("item_id", "?"))),
            size=str(line.get("size", "")),
            quantity=int(line.get("quantity", 1)),
            notes=line.get("notes"),
        )
        for line in order.items
    ]
    return StageTicket(
        tenant_id=message.tenant_id,
        order_id=message.order_id,
        stage=message.stage,
        location_id=message.location_id,
        dispatch=message.dispatch,
        status="pending",
        queue_key=queue_key(message.tenant_id, message.location_id),
        enqueued_at=message.entered_at,
        task_token=message.task_token,
        customer_name=order.customer_name,
        address=order.address if message.dispatch == "delivery" else None,
        # The phone only reaches the driver's ticket: the kitchen and the packers do not need it.
        customer_phone=order.customer_phone if message.stage == contracts.DELIVERY else None,
        lines=lines,
        sequence_number=sqs[0],
        sent_timestamp=sqs[1],
    )


def status_changed_detail(message: StageMessage, order: OrderFacts, at: str) -> dict[str, Any]:
    """``OrderStatusChanged``: what the notifiers need without reading the order again."""
    return {
        "tenant_id": message.tenant_id,
        "order_id": message.order_id,
        "location_id": message.location_id,
        "estado_pedido": message.stage,
        "previous": contracts.STAGES[message.stage].after,
        "dispatch": message.dispatch,
        "at": at,
        "by": WORKFLOW_ACTOR,
        "customer_id": order.customer_id,
        "customer_email": order.customer_email,
        "customer_name": order.customer_name,
    }


def _announce(
    message: StageMessage, order: OrderFacts, at: str, *, dal: StageDal, publisher: Publisher, now: datetime
) -> None:
    """``OrderStatusChanged`` for the stage just entered, then the row's mark that it went out.

    A failed publish raises (the record is redelivered and announces it). A failed mark does not: the
    event is out, and retrying the record would publish it again."""
    publisher.publish(
        contracts.EVENT_SOURCE_ORDERS, contracts.ORDER_STATUS_CHANGED, status_changed_detail(message, order, at)
    )
    try:
        dal.mark_announced(message.stage, message.tenant_id, message.order_id, message.task_token, iso(now))
    except (ConditionFailed, DependencyFailed):
        logger.exception("stage change announced but not marked: a redelivery would announce it again")


def record_entry(  # noqa: PLR0911 - one return per outcome reads best
    message: StageMessage,
    *,
    dal: StageDal,
    publisher: Publisher,
    now: datetime,
    sequence_number: str | None = None,
    sent_timestamp: int | None = None,
) -> EntryOutcome:
    """The order entered ``message.stage``: record it once, whatever SQS or the workflow redelivers.

    - first delivery: the tracking row (pending, with the token) and Pedidos' state change in one
      transaction, then ``OrderStatusChanged``, then ``announced_at`` on the row;
    - the same message again: nothing to write; the event is published only if the row has no
      ``announced_at`` (the previous attempt stopped before it went out, or before its mark): never
      lost, and twice only if a crash falls between the event and its mark;
    - the stage entered again after an overdue heartbeat (a new token): the row keeps its claim and
      takes the new token; no history, no event;
    - the staff completed the stage while its token was expiring: the new token is completed at once;
    - an order that is no longer there to take (cancelled, or further on): acknowledged and logged.
    """
    stage = message.stage
    logger.append_keys(transition=contracts.STAGES[stage].transition)  # tenant and order: the record's scope
    order = dal.get_order(message.tenant_id, message.order_id)
    if order is None:
        logger.error("stage message for an order that does not exist")
        return "stale"
    at = iso(now)
    if order.estado_pedido == contracts.STAGES[stage].after:
        entry = HistoryEntry(estado=stage, at=at, by=WORKFLOW_ACTOR)
        dal.enter_stage(
            _ticket(message, order, (sequence_number, sent_timestamp)),
            previous=contracts.STAGES[stage].after,
            entry=entry,
        )
        _announce(message, order, at, dal=dal, publisher=publisher, now=now)
        logger.info("order entered the stage")
        return "entered"
    if order.estado_pedido == contracts.CANCELADO:
        # Cancelled before this stage took it (the cancel stopped nothing, or raced the start):
        # the workflow must not wait here and raise overdue alerts for an order nobody will make.
        dal.stop_workflow(message.order_id, "the order was cancelled before the stage took it")
        logger.info("stage message for a cancelled order: its workflow stopped")
        return "stale"
    if order.estado_pedido != stage:
        logger.warning("stage message for an order in another state", extra={"estado_pedido": order.estado_pedido})
        return "stale"
    ticket = dal.get_ticket(stage, message.tenant_id, message.order_id)
    if ticket is None:
        dal.put_ticket(_ticket(message, order, (sequence_number, sent_timestamp)))
        logger.warning("order was in the stage without a tracking row: row written")
        return "entered"
    if ticket.task_token == message.task_token:
        if ticket.announced_at is None:
            _announce(message, order, ticket.enqueued_at, dal=dal, publisher=publisher, now=now)
        return "redelivered"
    if ticket.status != "completed":
        try:
            dal.rotate_token(stage, message.tenant_id, message.order_id, message.task_token)
        except ConditionFailed:
            pass  # completed between the read and the write: carry the completion on below
        else:
            logger.info("stage entered again after its time limit: token rotated", extra={"status": ticket.status})
            return "token_rotated"
    dal.send_task_success(message.task_token, {"stage": stage, "completed_by": ticket.completed_by})
    logger.info("stage had been completed while its token expired: completion passed on")
    return "completed_meanwhile"


# -- the staff -------------------------------------------------------------------------------------


def _location_for_view(principal: Principal, requested: str | None) -> str:
    if principal.is_admin:
        location = requested or principal.location_id
        if not location:
            raise ValidationFailed("Name the location: ?location_id=", code="location_required")
        return location
    if not principal.location_id:
        raise Forbidden("This staff session has no location")
    if requested and requested != principal.location_id:
        raise Forbidden("Staff see the queue of their own location only", code="other_location")
    return principal.location_id


def queue_view(
    principal: Principal,
    stage: str,
    *,
    location_id: str | None,
    cursor: str | None,
    limit: int,
    dal: StageDal,
    now: datetime,
) -> QueueView:
    """Pending and claimed orders of the location, oldest first, with the time each has waited."""
    location = _location_for_view(principal, location_id)
    key = queue_key(principal.tenant_id, location)
    start = decode_cursor(cursor, tenant_id=principal.tenant_id)
    if start is not None and start.get("queue_key") != {"S": key}:
        raise ValidationFailed("The page cursor is not valid", code="invalid_cursor")
    tickets, last = dal.query_queue(stage, key, limit=limit, start_key=start)
    entries = [
        QueueEntry(
            order_id=t.order_id,
            status="claimed" if t.status == "claimed" else "pending",
            dispatch=t.dispatch,
            enqueued_at=t.enqueued_at,
            elapsed_seconds=max(0, int((now - _parse(t.enqueued_at)).total_seconds())),
            claimed_by=t.claimed_by,
            claimed_by_name=t.claimed_by_name,
            claimed_at=t.claimed_at,
            customer_name=t.customer_name,
            customer_phone=t.customer_phone,
            address=t.address,
            lines=t.lines,
        )
        for t in tickets
        if t.status != "completed"
    ]
    return QueueView(stage=stage, location_id=location, orders=entries, next_cursor=encode_cursor(last))


def _absent(principal: Principal, stage: str, order_id: str, dal: StageDal) -> Exception:
    """No row in this stage: another tenant's or unknown order (404), or an order elsewhere (409)."""
    order = dal.get_order(principal.tenant_id, order_id)
    if order is None:
        return NotFound(f"No order {order_id}")
    return Conflict(f"The order is {order.estado_pedido}, not in {stage}", code="not_in_stage")


def _check_location(principal: Principal, ticket: StageTicket) -> None:
    if not principal.is_admin and ticket.location_id != principal.location_id:
        raise Forbidden("The order belongs to another location", code="other_location")


def _already_completed(ticket: StageTicket) -> Conflict:
    return Conflict(
        f"The {ticket.stage} stage of this order was already completed by {ticket.completed_by} "
        f"at {ticket.completed_at}",
        code="already_completed",
    )


def _refuse(principal: Principal, ticket: StageTicket) -> None:
    """Raise the reason ``principal`` may not act on ``ticket`` now, if there is one."""
    _check_location(principal, ticket)
    if ticket.status == "completed":
        raise _already_completed(ticket)
    if ticket.status == "claimed" and ticket.claimed_by != principal.subject_id and not principal.is_admin:
        raise Conflict(f"The order was taken by {ticket.claimed_by}", code="claimed_by_other")


def claim(principal: Principal, stage: str, order_id: str, *, dal: StageDal, now: datetime) -> StageAction:
    """``tomar``: pending -> claimed by the caller (again by the same caller: no change)."""
    at = iso(now)
    location = None if principal.is_admin else (principal.location_id or "-")
    try:
        dal.claim(
            stage,
            principal.tenant_id,
            order_id,
            by=principal.subject_id,
            at=at,
            location_id=location,
            name=principal.name,
        )
    except ConditionFailed as failed:
        ticket = (
            StageTicket.model_validate(failed.item)
            if failed.item
            else dal.get_ticket(stage, principal.tenant_id, order_id)
        )
        if ticket is None:
            raise _absent(principal, stage, order_id, dal) from failed
        _refuse(principal, ticket)
        raise Conflict(f"The order was taken by {ticket.claimed_by}", code="claimed_by_other") from failed
    return StageAction(order_id=order_id, stage=stage, status="claimed", by=principal.subject_id, at=at)


class Checks(Protocol):
    def schedule(self, tenant_id: str, stage: str, order_id: str) -> None: ...


def complete(
    principal: Principal,
    stage: str,
    order_id: str,
    *,
    dal: StageDal,
    now: datetime,
    checks: Checks | None = None,
) -> StageAction:
    """``completar``: a later check asked for, the row completed with the completion in the timeline,
    the workflow told (4 AWS calls). Should the last step never happen (a timeout after the write),
    the check (``etapas.checker``) or a retry of ``completar`` tells the workflow.

    A second complete, an order in another stage or a cancelled one: 409 with the reason, nothing written.
    """
    at = iso(now)
    actor = employee_actor(principal)
    for attempt in range(1, COMPLETE_ATTEMPTS + 1):
        ticket = dal.get_ticket(stage, principal.tenant_id, order_id)
        if ticket is None:
            raise _absent(principal, stage, order_id, dal)
        if ticket.status == "completed":
            return _finish_completion(principal, ticket, dal)
        _refuse(principal, ticket)
        if checks is not None and attempt == 1:
            checks.schedule(principal.tenant_id, stage, order_id)  # before the write: nothing left unwatched
        entry = HistoryEntry(estado=stage, at=at, by=actor, rol=principal.rol, note="completado")
        expires_at = int((now + timedelta(days=COMPLETED_ROW_DAYS)).timestamp())
        try:
            dal.complete(ticket, by=principal.subject_id, at=at, expires_at=expires_at, entry=entry)
        except ConditionFailed as failed:
            if "order" in failed.reasons:
                order = dal.get_order(principal.tenant_id, order_id)
                estado = order.estado_pedido if order else "?"
                raise Conflict(f"The order is {estado}, not in {stage}", code="not_in_stage") from failed
            if attempt == COMPLETE_ATTEMPTS:
                raise Conflict("The order changed meanwhile; reload the queue", code="changed_meanwhile") from failed
            continue  # re-read: a claim, a completion or a new token got in between
        return _hand_over(ticket, dal, by=principal.subject_id, at=at)
    raise AssertionError("unreachable")


def _hand_over(ticket: StageTicket, dal: StageDal, *, by: str, at: str) -> StageAction:
    """Tell the workflow the stage is done (a used or expired token is fine: see ``send_task_success``)."""
    if not dal.send_task_success(ticket.task_token, {"stage": ticket.stage, "completed_by": by}):
        logger.warning("the stage's token is no longer valid; the workflow already has the completion or re-enters")
    return StageAction(
        order_id=ticket.order_id,
        stage=ticket.stage,
        status="completed",
        by=by,
        at=at,
        next_estado=contracts.ENTREGADO
        if ticket.stage == contracts.EMPAQUETAMIENTO and ticket.dispatch == "pickup"
        else contracts.STAGES[ticket.stage].then,
    )


def _untold(ticket: StageTicket, dal: StageDal) -> bool:
    """A completed row whose order is still in the stage: the workflow may never have heard of it."""
    if ticket.status != "completed":
        return False
    order = dal.get_order(ticket.tenant_id, ticket.order_id)
    return order is not None and order.estado_pedido == ticket.stage


def _finish_completion(principal: Principal, ticket: StageTicket, dal: StageDal) -> StageAction:
    """The completion was written but the workflow maybe never told (a timeout between the two): any staff
    of the stage completing it again finishes it; once the workflow moved on, it is a 409."""
    _check_location(principal, ticket)
    if not _untold(ticket, dal):
        raise _already_completed(ticket)
    logger.warning("finishing a completion the workflow may not have heard of", extra={"order_id": ticket.order_id})
    return _hand_over(ticket, dal, by=ticket.completed_by or principal.subject_id, at=ticket.completed_at or "")


def check_completion(tenant_id: str, stage: str, order_id: str, *, dal: StageDal) -> bool:
    """The delayed check of a completion: tell the workflow if it may not know yet (True when it (re)sent it;
    a token the workflow already used is simply over)."""
    ticket = dal.get_ticket(stage, tenant_id, order_id)
    if ticket is None or not _untold(ticket, dal):
        return False  # not completed after all (its write failed), or the workflow already moved on
    logger.warning("a completion's check tells the workflow", extra={"order_id": order_id, "stage": stage})
    _hand_over(ticket, dal, by=ticket.completed_by or contracts.WORKFLOW_ACTOR, at=ticket.completed_at or "")
    return True
