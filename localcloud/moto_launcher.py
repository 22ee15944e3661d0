"""Start moto's server with one fidelity fix to its Step Functions interpreter.

AWS fails a task whose heartbeat passed with ``States.HeartbeatTimeout`` (what a ``Catch`` on
``States.HeartbeatTimeout`` matches); moto's interpreter reports every timeout as ``States.Timeout``.
The order workflow catches the heartbeat (the stage's SLA) to raise ``OrderOverdue`` and wait again,
and leaves ``States.Timeout`` (the hard limit) to the admins, so the distinction matters here.

``python -m localcloud.moto_launcher -H 127.0.0.1 -p <port>`` takes moto.server's arguments.
"""

from __future__ import annotations

from typing import Any

from moto.server import main
from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

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

if __name__ == "__main__":
    main()
