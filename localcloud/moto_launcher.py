"""Start moto's server with fidelity fixes (four to its Step Functions support, two request limits, three of atomicity)
and three of speed.

1. AWS fails a task whose heartbeat passed with ``States.HeartbeatTimeout`` (what a ``Catch`` on
   ``States.HeartbeatTimeout`` matches); moto's interpreter reports every timeout as ``States.Timeout``.
   The order workflow catches the heartbeat (the stage's SLA) to raise ``OrderOverdue`` and wait again,
   and leaves ``States.Timeout`` (the hard limit) to the admins, so the distinction matters here.
2. ``SendTaskFailure`` carries an ``error`` and a ``cause``; moto 5.2.5's HTTP handler drops the
   cause, so a ``Catch`` with ``ResultPath`` sees no ``Cause`` (the cancel path records the admin's
   reason from it). The handler below passes both on, as AWS does.

3. ``$$.State.EnteredTime`` is ``2026-11-28T15:04:05.123Z`` on AWS (milliseconds, ``Z``); moto writes
   Python's ``isoformat()`` (microseconds, ``+00:00``). The workflow copies it into the order's timeline
   and events, beside the services' own timestamps, so it is written as AWS writes it.
4. DynamoDB refuses a ``BatchWriteItem`` of more than 25 requests; moto 5.2.5 takes any number, so a
   write that fails on AWS (the tenants' onboarding once sent all of a tenant's rows in one batch)
   passed here. (The other request limits, 100 items per transaction or batch read, 400 KB items and
   repeated keys, moto already enforces.)

5. Step Functions fails an execution whose history passes 25,000 events; moto's grows without end
   (an order nobody completed once looped on its overdue heartbeat for a week).
6. EventBridge refuses a ``PutEvents`` whose entries add up to more than 256 KB (counted as AWS counts
   them: Time 14 bytes, Source, DetailType, Detail and Resources in UTF-8); moto takes any size.

7. On DynamoDB a conditional write (PutItem, UpdateItem, DeleteItem) and a TransactWriteItems are atomic, and a read
   sees whole items. moto's server answers each request on its own thread and takes no lock: it reads the item,
   checks the condition and writes in separate steps, so of concurrent writes under one condition several pass (two
   packers both claimed one order in a load run); a transaction copies each of its tables whole, and one that
   fails puts that copy back, undoing what others wrote meanwhile, or fails with a 500 when a write changes the
   table while it copies. Every request that names tables runs holding their locks (one lock per table name,
   taken in name order; PartiQL statements take every table's). The lock sits around the handler's action, not
   the backend's methods: the handler reads the old item (``ReturnValues``) before the backend writes, and builds
   the answer from the live item after it; Step Functions' DynamoDB tasks call the handler too (over HTTP).
8. SQS hands a message to one receiver until its visibility timeout passes, and a FIFO queue no message of a group
   that has one in flight. moto checks a message's visibility, and the groups in flight as they were when the
   receive began, apart from marking it received, so concurrent receives got the same message, and messages of
   one group went to two receivers at once. The queue's sends, receives, deletes, visibility changes and purge
   run holding the queue's own lock: moto's condition on which a long poll waits (the wait lets go of it), so a
   long poll does not hold up the senders. SNS, EventBridge and Step Functions send through the same method.
9. A cancelled or refused TransactWriteItems writes nothing. moto copies every table a transaction names, whole,
   before it starts (190 ms a transaction on a table of 500 orders; each stage an order enters and completes is
   a transaction over the orders table), and puts those copies back when it fails; it copies no table named by
   its ARN, and puts nothing back when an entry holds two operations. With the tables held (fix 7) a transaction
   keeps a copy of the items it names instead, and puts those back on any failure. (A stream, which the platform
   does not use, keeps the records of a cancelled transaction's writes.)

10. Speed, not fidelity: moto checks each message a receive looks at against the queue's retention period by
    rebuilding all the queue's attributes, three of which count every message in the queue: a receive cost the
    number of visible messages times the queue's size (the payment reviews' queue holds a delayed message for
    each recent order). The retention period is read from the queue itself, and a message's visibility and delay
    compare against ``time.time()`` instead of a clock built from two datetimes per message per look (most of
    the emulator's time at rush hour went to SQS receives and sends scanning queues this way).

11. Speed: for every request moto's server lists its own package folder on disk (an ``isdir`` per service) while
    holding its dispatcher's one lock, to find the service, and writes a request log line (which the local cloud
    sends to /dev/null). The folder is listed once; request lines are not written (errors still are).

12. Speed: moto parses the state machine's definition again for every execution it starts (0.2 s of CPU for the
    order workflow, a sixth of the emulator's time at rush hour). A definition is parsed once and its program
    shared by the executions, which keep their state in their own environment; definitions with Map or
    Parallel states, whose components hold worker pools, are still parsed per execution.

13. Fidelity: moto's ``SendTaskFailure`` looks for the token among every execution, ended ones too, and answers
    success for the token of an execution that already failed (AWS: the task is over, ``TaskTimedOut``). An
    admin's cancel of an order the workflow handed to the admins believed the workflow would record it. The
    token is looked for among running executions only, as ``SendTaskSuccess`` already does.

``python -m localcloud.moto_launcher -H 127.0.0.1 -p <port>`` takes moto.server's arguments.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from moto import backends as moto_backends
from moto.core.responses import EmptyResult
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.events.exceptions import ValidationException as EventsValidationException
from moto.events.responses import EventsHandler
from moto.server import main
from moto.sqs.models import Message, SQSBackend
from moto.stepfunctions.parser.api import (
    ExecutionStatus,
    HistoryEventType,
    SendTaskFailureOutput,
    TaskDoesNotExist,
    TaskTimedOut,
    TaskTimedOutEventDetails,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.component import Component
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import (
    CallbackConsumerTimeout,
    CallbackNotifyConsumerError,
    CallbackOutcomeFailure,
    HeartbeatTimeoutError,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse
from werkzeug.serving import WSGIRequestHandler

_moto_from_error = StateTaskServiceCallback._from_error
_details: Any = EventDetails  # a TypedDict whose every key is declared required


def _from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
    if isinstance(ex, HeartbeatTimeoutError):
        name = StatesErrorNameType.StatesHeartbeatTimeout
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=name),
            event_type=HistoryEventType.TaskTimedOut,
            event_details=_details(
                taskTimedOutEventDetails=TaskTimedOutEventDetails(
                    resourceType=self._get_sfn_resource_type(),
                    resource=self._get_sfn_resource(),
                    error=name.to_name(),
                )
            ),
        )
    return _moto_from_error(self, env, ex)


StateTaskServiceCallback._from_error = _from_error  # type: ignore[method-assign]


def _send_task_failure(self: Any) -> EmptyResult:
    backend = self.stepfunction_backend
    token, error, cause = self._get_param("taskToken"), self._get_param("error"), self._get_param("cause")
    if "cause" in backend.send_task_failure.__code__.co_varnames:  # the executing (parser) backend
        backend.send_task_failure(token, error=error, cause=cause)
    else:
        backend.send_task_failure(token, error=error)
    return EmptyResult()


StepFunctionResponse.send_task_failure = _send_task_failure  # type: ignore[method-assign]


def _fail_a_running_task(self: Any, task_token: str, error: Any = None, cause: Any = None) -> Any:
    """Fix 13: the failure goes to the task of a *running* execution that waits on ``task_token``, or nowhere."""
    outcome = CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause)
    for execution in self._get_executions(ExecutionStatus.RUNNING):
        try:
            if execution.exec_worker.env.callback_pool_manager.notify(callback_id=task_token, outcome=outcome):
                return SendTaskFailureOutput()
        except CallbackNotifyConsumerError as gone:
            if isinstance(gone.callback_consumer_error, CallbackConsumerTimeout):
                raise TaskTimedOut("The task timed out", exception_type="TaskTimedOut") from gone
            raise TaskDoesNotExist("The task is not waiting any more", exception_type="TaskDoesNotExist") from gone
    # What AWS answers the token of a task whose execution is over. (moto's own parser errors name no type: their
    # TYPE is unset, so a client would read an error without a code.)
    raise TaskTimedOut("The task is over: its execution is not running", exception_type="TaskTimedOut")


StepFunctionsParserBackend.send_task_failure = _fail_a_running_task  # type: ignore[method-assign]


def aws_timestamp(value: str) -> str:
    """An ISO 8601 instant as AWS writes it: UTC, milliseconds, ``Z``."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _state_data(**fields: Any) -> Any:
    """moto builds ``$$.State`` with this (a TypedDict) on every state entry."""
    return {**fields, "EnteredTime": aws_timestamp(str(fields["EnteredTime"]))}


state_module.StateData = _state_data  # type: ignore[misc,assignment]

HISTORY_LIMIT = 25_000
_TERMINAL_EVENTS = {
    HistoryEventType.ExecutionFailed,
    HistoryEventType.ExecutionAborted,
    HistoryEventType.ExecutionTimedOut,
}
_moto_add_event = EventManager.add_event


class HistoryLimitExceeded(RuntimeError):
    """Raised into the interpreter, which fails the execution with ``States.Runtime``, as AWS does."""


def _add_event(self: Any, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
    if event_type not in _TERMINAL_EVENTS and len(self._history_event_list) >= HISTORY_LIMIT:
        raise HistoryLimitExceeded(f"the execution history passed the limit of {HISTORY_LIMIT} events")
    return int(_moto_add_event(self, context, event_type, *args, **kwargs))


EventManager.add_event = _add_event  # type: ignore[method-assign]

BATCH_WRITE_LIMIT = 25
_moto_batch_write_item = DynamoHandler.batch_write_item


def _batch_write_item(self: Any) -> Any:
    requests = sum(len(table_requests) for table_requests in self.body.get("RequestItems", {}).values())
    if requests > BATCH_WRITE_LIMIT:
        raise MockValidationException(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must "
            f"satisfy constraint: [Member must have length less than or equal to {BATCH_WRITE_LIMIT}, "
            "Member must have length greater than or equal to 1]"
        )
    return _moto_batch_write_item(self)


DynamoHandler.batch_write_item = _batch_write_item  # type: ignore[method-assign]


_table_locks: dict[str, threading.RLock] = {}
_table_locks_guard = threading.Lock()
_PARTIQL_ACTIONS = {"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}


def table_names(params: Any) -> set[str]:
    """The tables a DynamoDB request names (``TableName``, ``RequestItems``, ``TransactItems``), by name."""
    if not isinstance(params, dict):
        return set()
    named = [params.get("TableName"), *(params.get("RequestItems") or {})]
    for entry in params.get("TransactItems") or []:
        ops = entry.values() if isinstance(entry, dict) else []
        named += [op.get("TableName") for op in ops if isinstance(op, dict)]
    # A table may be named by its ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)
    return {name.split(":table/", 1)[-1].split("/", 1)[0] for name in named if isinstance(name, str) and name}


@contextlib.contextmanager
def holding_tables(names: set[str]) -> Iterator[None]:
    """Holds the tables' locks (in name order, so two requests never wait on each other's)."""
    with _table_locks_guard:
        locks = [_table_locks.setdefault(name, threading.RLock()) for name in sorted(names)]
    with contextlib.ExitStack() as held:
        for lock in locks:
            held.enter_context(lock)
        yield


_moto_dynamodb_call_action = DynamoHandler.call_action


def _dynamodb_call_action(self: Any) -> Any:
    if self._get_action() in _PARTIQL_ACTIONS:  # the tables are inside the statements
        names = set(self.dynamodb_backend.tables)
    else:
        names = table_names(getattr(self, "params", None))
    with holding_tables(names):
        return _moto_dynamodb_call_action(self)


DynamoHandler.call_action = _dynamodb_call_action  # type: ignore[method-assign]

_in_transaction = threading.local()


class _TransactionCopies:
    """``copy`` as moto's DynamoDB backend sees it: in a transaction, the copy of a table is the table itself."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table) and getattr(_in_transaction, "active", False):
            return value
        return copy.deepcopy(value, memo)


dynamodb_models.copy = _TransactionCopies()  # type: ignore[assignment]
_moto_transact_write_items = DynamoDBBackend.transact_write_items


def _item_before(backend: Any, entry: Any) -> tuple[Any, Any, Any, Any] | None:
    """The table, key and a copy of the item (None if absent) an entry of a transaction names."""
    try:
        ((kind, operation),) = entry.items()
        table = backend.get_table(operation["TableName"])
        hash_key, range_key = backend.get_keys_value(table, operation["Item" if kind == "Put" else "Key"])
    except Exception:  # moto refuses the entry, which then writes nothing
        return None
    return table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))


def _put_back(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    if item is None:
        table.delete_item(hash_key, range_key)
    elif range_key is None:
        table.items[hash_key] = item
    else:
        table.items[hash_key][range_key] = item


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    before = [kept for entry in transact_items if (kept := _item_before(self, entry)) is not None]
    _in_transaction.active = True
    try:
        _moto_transact_write_items(self, transact_items)
    except BaseException:
        for kept in reversed(before):
            _put_back(*kept)
        raise
    finally:
        _in_transaction.active = False


DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]


def _holding_queue(method: Any) -> Any:
    @functools.wraps(method)
    def locked(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        with self.get_queue(queue_name)._messages_lock:  # a Condition over an RLock: a long poll's wait lets go
            return method(self, queue_name, *args, **kwargs)

    return locked


for _name in ("send_message", "receive_message", "delete_message", "change_message_visibility", "purge_queue"):
    setattr(SQSBackend, _name, _holding_queue(getattr(SQSBackend, _name)))


def _within_retention(self: Any, queue_name: str, message: Any) -> bool:
    retention = int(self.get_queue(queue_name).message_retention_period)
    return bool(retention + message.sent_timestamp / 1000 > time.time())


SQSBackend.is_message_valid_based_on_retention_period = _within_retention  # type: ignore[method-assign]
Message.visible = property(lambda self: time.time() * 1000 > self.visible_at)  # type: ignore[method-assign,assignment]
Message.delayed = property(lambda self: time.time() * 1000 < self.delayed_until)  # type: ignore[method-assign,assignment]


PUT_EVENTS_LIMIT = 256 * 1024
_moto_put_events = EventsHandler.put_events


def entry_size(entry: dict[str, Any]) -> int:
    """A ``PutEventsRequestEntry``'s size as EventBridge counts it."""
    size = 14 if entry.get("Time") else 0
    for field in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(field) or "").encode())
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or [])


def _put_events(self: Any) -> str:
    if sum(entry_size(e) for e in self._get_param("Entries") or []) > PUT_EVENTS_LIMIT:
        raise EventsValidationException("Total size of the entries in the request is over the limit.")
    return str(_moto_put_events(self))


EventsHandler.put_events = _put_events  # type: ignore[method-assign]


_MOTO_MODULES = tuple(moto_backends.list_of_moto_modules())
moto_backends.list_of_moto_modules = lambda: _MOTO_MODULES
WSGIRequestHandler.log_request = lambda *_args, **_kwargs: None  # type: ignore[method-assign]

_programs: dict[str, Any] = {}  # state machine definition -> its shared program, or None: parsed per run (fix 12)
_programs_lock = threading.Lock()
_moto_entrypoint = ExecutionWorker._get_evaluation_entrypoint
_PER_RUN_STATE_TYPES = {"Map", "Parallel"}  # their components keep worker pools of their own: parsed per execution


def _state_types(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["Type"]} if isinstance(node.get("Type"), str) else set()
        return own.union(*(_state_types(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_state_types(v) for v in node))
    return set()


def _settle_heap_keys(component: Any, seen: set[int]) -> None:
    """Give every component of a program its heap key now: moto draws it on first use, which two executions of a
    shared program could otherwise do at once (each evaluation keeps its values under the key in its own heap)."""
    if id(component) in seen:
        return
    seen.add(id(component))
    if isinstance(component, EvalComponent):
        _ = component.heap_key
    if isinstance(component, Component):
        children: Any = getattr(component, "__dict__", {}).values()
    elif isinstance(component, list | tuple | set):
        children = component
    elif isinstance(component, dict):
        children = component.values()
    else:
        return
    for child in children:
        _settle_heap_keys(child, seen)


def _parsed_once(self: Any) -> Any:
    definition = self._evaluation_details.state_machine_details.definition
    with _programs_lock:  # a definition is read (and its program parsed) on its first execution only
        if definition not in _programs:
            shared = not _state_types(json.loads(definition)) & _PER_RUN_STATE_TYPES
            _programs[definition] = _moto_entrypoint(self) if shared else None
            if shared:
                _settle_heap_keys(_programs[definition], set())
        program = _programs[definition]
    return program if program is not None else _moto_entrypoint(self)


ExecutionWorker._get_evaluation_entrypoint = _parsed_once  # type: ignore[method-assign]


def _exit_with_parent() -> None:
    """The server runs in its own session (Ctrl-C goes to the local cloud, which stops it cleanly);
    if the local cloud dies without stopping it (SIGKILL, a killed test run), it exits too."""
    parent = int(os.environ.get("LOCALCLOUD_PARENT_PID", "0"))
    if not parent:
        return

    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    _exit_with_parent()
    main()
