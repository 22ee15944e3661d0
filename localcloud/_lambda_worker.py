"""The process that hosts one Lambda function, like Lambda's Python runtime does.

Started by ``localcloud.lambda_runtime`` as ``python _lambda_worker.py <in-fd> <out-fd>``
with its working directory set to the function's code folder. Only the standard library
is imported here, so the function's own imports are the only ones in the process.

Protocol: newline-delimited JSON over two inherited pipes (stdout and stderr stay free
for the function's logs, which the parent forwards to its log):

- worker -> parent, once: ``{"ready": true, "init_ms": ...}`` or ``{"ready": false, "error": {...}}``
- parent -> worker, per invocation: ``{"request_id", "event", "timeout_ms", "trace_id"}``
- worker -> parent, per invocation: ``{"payload": ...}`` or ``{"error": {...}}``

Before each answer the worker prints ``END RequestId: <id>`` on stdout, after the
function's own output, so the parent knows the invocation's log lines are complete.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import sys
import threading
import time
import traceback
from typing import Any

_PARENT_CHECK_SECONDS = 0.5


class LambdaContext:
    """The context object Lambda hands to a Python handler."""

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("LOCALCLOUD_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(aws_request_id={self.aws_request_id!r}, function_name={self.function_name!r})"


def _error(exc: BaseException, error_type: str | None = None, message: str | None = None) -> dict[str, Any]:
    # Like Lambda's runtime, show the function's frames, not the runtime's own.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return {
        "errorMessage": str(exc) if message is None else message,
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(frames),
    }


def _log_error(error: dict[str, Any]) -> None:
    print(f"[ERROR] {error['errorType']}: {error['errorMessage']}", file=sys.stderr)
    if error.get("stackTrace"):
        print(
            "Traceback (most recent call last):\n" + "".join(error["stackTrace"]),
            end="",
            file=sys.stderr,
        )


def _decimal_default(value: object) -> object:
    # Lambda's Python runtime serializes Decimal (what boto3's DynamoDB returns) as a number.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _load_handler(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise _InitError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': not enough values to unpack",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise _InitError(
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {exc}",
        ) from exc
    except SyntaxError as exc:
        raise _InitError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc}",
        ) from exc
    func = getattr(module, function_name, None)
    if func is None:
        raise _InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return func


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _watch_parent(parent_pid: int) -> None:
    """Exit when the parent goes away (killed without a chance to stop its workers)."""
    while True:
        time.sleep(_PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(0)


def main() -> None:
    in_fd, out_fd, parent_pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    # Lambda's sys.path starts with the task root; drop this script's own folder.
    sys.path[0] = os.getcwd()
    # One ordered log stream: stderr goes where stdout goes.
    os.dup2(1, 2)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watch").start()
    requests = os.fdopen(in_fd, "r", encoding="utf-8")
    answers = os.fdopen(out_fd, "w", encoding="utf-8")

    def answer(message: dict[str, Any] | str) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        answers.write((message if isinstance(message, str) else json.dumps(message)) + "\n")
        answers.flush()

    started = time.perf_counter()
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except _InitError as exc:
        error = _error(exc, exc.error_type)
        error["stackTrace"] = []
        _log_error(error)
        answer({"ready": False, "error": error})
        return
    except BaseException as exc:  # any failure while importing user code is an init error
        error = _error(exc)
        _log_error(error)
        answer({"ready": False, "error": error})
        return
    answer({"ready": True, "init_ms": (time.perf_counter() - started) * 1000})

    for line in requests:
        request = json.loads(line)
        request_id = request["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id", "")
        print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
        context = LambdaContext(request_id, int(request["timeout_ms"]))
        message: dict[str, Any] | str
        try:
            result = handler(request["event"], context)
        except Exception as exc:  # the function's error is the invocation's result
            error = _error(exc)
            _log_error(error)
            message = {"error": error}
        else:
            try:
                message = json.dumps({"payload": result}, default=_decimal_default)
            except (TypeError, ValueError) as exc:
                error = {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": "Runtime.MarshalError",
                    "stackTrace": [],
                }
                _log_error(error)
                message = {"error": error}
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"END RequestId: {request_id}", flush=True)
        answer(message)


if __name__ == "__main__":
    main()
