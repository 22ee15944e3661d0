"""Run the synthesized Lambda functions on this machine, the way Lambda runs them.

Each function gets its own pool of long-lived worker processes (``_lambda_worker.py``
run by this interpreter), so one function's imports and globals never leak into
another's. A worker starts on the first invocation that finds no idle one (a cold
start), stays warm while it is used (one idle for ``idle_seconds``, two minutes by default, is
shut down, as Lambda reclaims idle environments), and the pool grows up to ``max_concurrency`` workers
per function (Lambda's concurrency); further callers wait for a free worker.

A worker runs with the function's code folder as working directory and ``sys.path[0]``,
and with an environment made of a minimal OS environment, ``base_env`` (the endpoint,
credentials and region the orchestrator hands in), the function's own variables and
Lambda's reserved variables. Timeouts kill the worker (the next call cold-starts a new
one); a worker that dies becomes an error result. Everything the function prints goes
to the injectable log sink, prefixed by the function name, and is also returned with
the invocation's result.

    runtime = LambdaRuntime(assembly.functions, {"AWS_ENDPOINT_URL": moto_url, ...})
    result = runtime.invoke("health", {"path": "/health"})
    runtime.close()
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import math
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

from localcloud.model import FunctionSpec

LogSink = Callable[[str, str], None]
"""Receives ``(function_name, line)`` for every line a function writes (and the runtime's REPORT lines)."""

# Workers per function at most. Lambda scales a function far wider; this machine's cores and memory do not: with
# two cores, a third concurrent worker of one function still overlaps another's wait on the AWS emulator, a fourth
# mostly adds memory (50 MB each: the rush of make load ended with 28 workers at four, 2.1 GB in all).
DEFAULT_MAX_CONCURRENCY = 3
# A worker idle this long is shut down (the next call cold-starts). Lambda reclaims idle environments after some
# minutes; here the memory is this machine's, so sooner: a rush's workers do not outlive it by much.
DEFAULT_IDLE_SECONDS = 120.0
_REAP_EVERY_SECONDS = 10.0
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
_INIT_TIMEOUT_SECONDS = 10.0  # Lambda's init phase limit
_LOG_DRAIN_SECONDS = 2.0
_WORKER_SCRIPT = Path(__file__).with_name("_lambda_worker.py")
_OS_ENV_KEYS = ("PATH", "HOME", "TMPDIR", "SYSTEMROOT")

_logger = logging.getLogger("localcloud.lambda")


_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING, "WARNING": logging.WARNING,
           "ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL}  # fmt: skip


def line_level(line: str) -> int:
    """The level a function's output line states: a Powertools JSON line's ``level``, ERROR for what Lambda's
    runtime reports as a failure (``[ERROR] ...``, a timeout), INFO for anything else (START, REPORT, prints)."""
    text = line.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            return logging.INFO
        level = record.get("level") if isinstance(record, dict) else None
        return _LEVELS.get(str(level).upper(), logging.INFO) if level else logging.INFO
    if text.startswith("[ERROR]") or "Task timed out after" in text:
        return logging.ERROR
    return logging.INFO


def default_log_sink(function_name: str, line: str) -> None:
    """Log a function's output line through the ``localcloud.lambda`` logger, at the level the line states."""
    _logger.log(line_level(line), "[%s] %s", function_name, line)


class FunctionNotFoundError(LookupError):
    """The runtime has no function of that name (Lambda's ResourceNotFoundException)."""


@dataclass(frozen=True)
class InvokeResult:
    """The outcome of one synchronous invocation (``RequestResponse``)."""

    function_name: str
    request_id: str
    payload: Any = None  # the handler's JSON-decoded return value
    error: dict[str, Any] | None = None  # {"errorType", "errorMessage", "stackTrace"} like Lambda
    duration_ms: float = 0.0  # handler time, without the init phase
    init_duration_ms: float | None = None  # set on cold starts
    logs: str = ""  # the lines the invocation printed (stdout and stderr)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def cold_start(self) -> bool:
        return self.init_duration_ms is not None

    @property
    def timed_out(self) -> bool:
        return self.error is not None and self.error.get("errorType") == "Sandbox.Timedout"


@dataclass
class FunctionStats:
    """Invocation counters of one function, for the benchmarks."""

    invocations: int = 0
    cold_starts: int = 0
    errors: int = 0
    timeouts: int = 0
    durations_ms: list[float] = field(default_factory=list)
    init_durations_ms: list[float] = field(default_factory=list)


class _WorkerGoneError(Exception):
    """The worker process exited (or could not be started)."""


class _InitFailedError(Exception):
    def __init__(self, error: dict[str, Any], logs: str) -> None:
        super().__init__(error.get("errorMessage", "init failed"))
        self.error = error
        self.logs = logs


class _Worker:
    """One worker process: one warm execution environment of a function."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_sink: LogSink) -> None:
        self.spec = spec
        self._env = env
        self._log_sink = log_sink
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._log_lock = threading.Lock()
        self._capture: list[str] | None = None
        self._end_marker = ""
        self._end_seen = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._requests: IO[str] | None = None
        self._stdout_thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> float:
        """Start the process and import the handler; return the init duration in ms."""
        req_read, req_write = os.pipe()
        ans_read, ans_write = os.pipe()
        try:
            self._proc = subprocess.Popen(  # our own interpreter and script
                [
                    sys.executable,
                    "-u",
                    str(_WORKER_SCRIPT),
                    str(req_read),
                    str(ans_write),
                    str(os.getpid()),
                ],
                cwd=self.spec.code_dir,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(req_read, ans_write),
                start_new_session=True,  # own process group: killed as a whole, spared the terminal's ^C
            )
        except OSError as exc:
            os.close(req_write)
            os.close(ans_read)
            raise _InitFailedError(
                {
                    "errorType": "Runtime.InvalidEntrypoint",
                    "errorMessage": str(exc),
                    "stackTrace": [],
                },
                "",
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                os.close(req_read)
            with contextlib.suppress(OSError):
                os.close(ans_write)
        self._requests = os.fdopen(req_write, "w", encoding="utf-8")
        answers = os.fdopen(ans_read, "r", encoding="utf-8")
        name = self.spec.name
        threading.Thread(
            target=self._read_answers,
            args=(answers,),
            daemon=True,
            name=f"{name}-answers",
        ).start()
        self._stdout_thread = threading.Thread(target=self._read_output, daemon=True, name=f"{name}-output")
        self._capture = []
        self._stdout_thread.start()

        ready = self._next_answer(max(_INIT_TIMEOUT_SECONDS, float(self.spec.timeout_seconds)))
        if ready is None or not ready.get("ready"):
            error = self._exit_error("init") if ready is None else ready["error"]
            self.kill()
            raise _InitFailedError(error, self._take_capture(wait_for_eof=True))
        self._take_capture(wait_for_eof=False)
        return float(ready.get("init_ms", 0.0))

    def kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        if self._requests is not None:
            with contextlib.suppress(OSError):
                self._requests.close()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- invocation --------------------------------------------------------------------------

    def invoke(self, request_id: str, event: Any, timeout_seconds: float) -> tuple[dict[str, Any], str]:
        """Run one event; return (``{"payload": ...}`` or ``{"error": ...}``, captured logs).

        Raises ``TimeoutError`` (after killing the process) or ``_WorkerGoneError``.
        """
        assert self._requests is not None
        trace_id = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Sampled=0"
        message = json.dumps(
            {
                "request_id": request_id,
                "event": event,
                "timeout_ms": int(timeout_seconds * 1000),
                "trace_id": trace_id,
            }
        )
        with self._log_lock:
            self._capture = []
            self._end_marker = f"END RequestId: {request_id}"
            self._end_seen.clear()
        try:
            self._requests.write(message + "\n")
            self._requests.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerGoneError(self._exit_error(request_id)["errorMessage"]) from exc
        try:
            answer = self._answers.get(timeout=timeout_seconds)
        except queue.Empty:
            self.kill()
            raise TimeoutError(self._take_capture(wait_for_eof=True)) from None
        if answer is None:
            raise _WorkerGoneError(self._take_capture(wait_for_eof=True))
        self._end_seen.wait(_LOG_DRAIN_SECONDS)
        return answer, self._take_capture(wait_for_eof=False)

    def exit_error(self, request_id: str) -> dict[str, Any]:
        return self._exit_error(request_id)

    def _exit_error(self, request_id: str) -> dict[str, Any]:
        code: int | None = None
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._proc.wait(timeout=5)
        if code is not None and code < 0:
            detail = f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower()}"
        else:
            detail = f"exit status {code}"
        return {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {detail}",
            "stackTrace": [],
        }

    # -- pipes -------------------------------------------------------------------------------

    def _next_answer(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            return None

    def _read_answers(self, answers: IO[str]) -> None:
        with answers:
            for line in answers:
                try:
                    self._answers.put(json.loads(line))
                except json.JSONDecodeError:
                    continue
        self._answers.put(None)

    def _read_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in self._proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            self._log_sink(self.spec.name, line)
            with self._log_lock:
                if self._capture is not None:
                    self._capture.append(line)
                if self._end_marker and line == self._end_marker:
                    self._end_seen.set()

    def _take_capture(self, *, wait_for_eof: bool) -> str:
        if wait_for_eof and self._stdout_thread is not None:
            self._stdout_thread.join(_LOG_DRAIN_SECONDS)
        with self._log_lock:
            lines, self._capture = self._capture or [], None
        return "\n".join(lines)


class _Pool:
    """The warm workers of one function, growing up to ``max_workers``."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self.idle: dict[_Worker, float] = {}  # idle worker -> when it was released, oldest first
        self.all: set[_Worker] = set()
        self.starting = 0
        self.cond = threading.Condition()
        self.closed = False

    def acquire(self) -> _Worker | None:
        """An idle worker, or ``None`` when the caller may start a new one."""
        with self.cond:
            while not self.idle and len(self.all) + self.starting >= self.max_workers and not self.closed:
                self.cond.wait()
            if self.closed:
                raise RuntimeError("the Lambda runtime is closed")
            if self.idle:
                worker, _ = self.idle.popitem()  # most recently used: the warmest
                return worker
            self.starting += 1
            return None

    def started(self, worker: _Worker | None) -> None:
        with self.cond:
            self.starting -= 1
            if worker is not None:
                self.all.add(worker)
            self.cond.notify()

    def release(self, worker: _Worker, *, keep: bool) -> None:
        with self.cond:
            if keep and not self.closed and worker.alive:
                self.idle[worker] = time.monotonic()
            else:
                self.all.discard(worker)
                keep = False
            self.cond.notify()
        if not keep:
            worker.kill()

    def reap(self, idle_seconds: float) -> list[_Worker]:
        """Take out the workers idle for longer than ``idle_seconds`` (the caller kills them)."""
        cutoff = time.monotonic() - idle_seconds
        with self.cond:
            stale = [worker for worker, since in self.idle.items() if since < cutoff]
            for worker in stale:
                del self.idle[worker]
                self.all.discard(worker)
            if stale:
                self.cond.notify_all()
        return stale

    def close(self) -> list[_Worker]:
        with self.cond:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
            self.idle.clear()
            self.cond.notify_all()
        return workers


_live_runtimes: weakref.WeakSet[LambdaRuntime] = weakref.WeakSet()


@atexit.register
def _close_live_runtimes() -> None:
    for runtime in list(_live_runtimes):
        runtime.close()


class LambdaRuntime:
    """Invokes functions in warm, isolated worker processes; safe to use from many threads."""

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        base_env: Mapping[str, str],
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        log_sink: LogSink | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.functions = dict(functions)
        self.base_env = dict(base_env)
        self.region = self.base_env.get("AWS_REGION") or self.base_env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self.account_id = account_id
        self.max_concurrency = max_concurrency
        self._log_sink = log_sink or default_log_sink
        self._pools: dict[str, _Pool] = {}
        self._stats: dict[str, FunctionStats] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.idle_seconds = idle_seconds
        self._stop_reaping = threading.Event()
        threading.Thread(target=self._reap_idle, name="lambda-idle-reaper", daemon=True).start()
        _live_runtimes.add(self)

    # -- public API --------------------------------------------------------------------------

    def function_arn(self, function_name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{function_name}"

    def environment_for(self, spec: FunctionSpec, log_stream_name: str = "") -> dict[str, str]:
        """The environment a worker of ``spec`` runs with."""
        env = {key: os.environ[key] for key in _OS_ENV_KEYS if key in os.environ}
        env.update({"LANG": "en_US.UTF-8", "TZ": ":UTC", "PYTHONUNBUFFERED": "1"})
        # Lambda's task root is read-only: bytecode goes elsewhere and the code folder stays as deployed.
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "localcloud-pycache")
        env.update(self.base_env)
        env.update(spec.environment)
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "_HANDLER": spec.handler,
                "LAMBDA_TASK_ROOT": str(spec.code_dir),
                "LAMBDA_RUNTIME_DIR": str(_WORKER_SCRIPT.parent),
                "LOCALCLOUD_FUNCTION_ARN": self.function_arn(spec.name),
            }
        )
        return env

    def invoke(self, function_name: str, event: Any) -> InvokeResult:
        """Invoke synchronously (``RequestResponse``); errors and timeouts come back as results."""
        spec = self.functions.get(function_name)
        if spec is None:
            raise FunctionNotFoundError(f"Function not found: {self.function_arn(function_name)}")
        pool = self._pool(function_name)
        request_id = str(uuid.uuid4())
        worker = pool.acquire()
        init_ms: float | None = None
        if worker is None:
            stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{secrets.token_hex(16)}"
            new_worker = _Worker(spec, self.environment_for(spec, stream), self._log_sink)
            try:
                init_ms = new_worker.start()
            except _InitFailedError as exc:
                pool.started(None)
                result = InvokeResult(function_name, request_id, error=exc.error, logs=exc.logs)
                self._record(result, cold=True)
                return result
            pool.started(new_worker)
            worker = new_worker

        started = time.perf_counter()
        keep = True
        try:
            answer, logs = worker.invoke(request_id, event, float(spec.timeout_seconds))
        except TimeoutError as exc:
            keep = False
            message = f"Task timed out after {spec.timeout_seconds:.2f} seconds"
            self._log_sink(function_name, f"{datetime.now(UTC).isoformat()} {request_id} {message}")
            answer = {
                "error": {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: {message}",
                }
            }
            logs = str(exc)
        except _WorkerGoneError as exc:
            keep = False
            answer = {"error": worker.exit_error(request_id)}
            logs = str(exc)
        duration_ms = (time.perf_counter() - started) * 1000
        # A worker started before its function's configuration changed is not used again (update_environment).
        pool.release(worker, keep=keep and worker.spec is self.functions.get(function_name))

        result = InvokeResult(
            function_name,
            request_id,
            payload=answer.get("payload"),
            error=answer.get("error"),
            duration_ms=duration_ms,
            init_duration_ms=init_ms,
            logs=logs,
        )
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {spec.memory_mb} MB"
        )
        if init_ms is not None:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        self._log_sink(function_name, report)
        self._record(result, cold=init_ms is not None)
        return result

    def update_environment(self, function_name: str, values: Mapping[str, str]) -> dict[str, str]:
        """Set some of a function's environment variables, as ``UpdateFunctionConfiguration`` does: every later
        invocation runs in a worker started with them (warm workers are retired). Returns the previous environment."""
        with self._lock:
            spec = self.functions.get(function_name)
            if spec is None:
                raise FunctionNotFoundError(f"Function not found: {self.function_arn(function_name)}")
            self.functions[function_name] = replace(spec, environment={**spec.environment, **values})
            pool = self._pools.get(function_name)
        retired: list[_Worker] = []
        if pool is not None:
            with pool.cond:
                retired, pool.idle = list(pool.idle), {}
                pool.all.difference_update(retired)
                pool.cond.notify_all()
        for worker in retired:
            worker.kill()
        return dict(spec.environment)

    def stats(self) -> dict[str, FunctionStats]:
        """A snapshot of the per-function invocation counters."""
        with self._lock:
            return {
                name: replace(
                    s,
                    durations_ms=list(s.durations_ms),
                    init_durations_ms=list(s.init_durations_ms),
                )
                for name, s in self._stats.items()
            }

    def warm_workers(self, function_name: str) -> int:
        """How many worker processes the function has right now."""
        with self._lock:
            pool = self._pools.get(function_name)
        if pool is None:
            return 0
        with pool.cond:
            return len(pool.all)

    def worker_pids(self) -> list[int]:
        """The process ids of all live workers (for tests and diagnostics)."""
        with self._lock:
            pools = list(self._pools.values())
        pids: list[int] = []
        for pool in pools:
            with pool.cond:
                pids.extend(w._proc.pid for w in pool.all if w._proc is not None and w.alive)
        return pids

    def close(self) -> None:
        """Stop every worker; later invocations raise ``RuntimeError``."""
        self._stop_reaping.set()
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
        for pool in pools:
            for worker in pool.close():
                worker.kill()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------

    def _reap_idle(self) -> None:
        """Shut down the workers idle for longer than ``idle_seconds``, every few seconds, until closed."""
        while not self._stop_reaping.wait(min(_REAP_EVERY_SECONDS, self.idle_seconds)):
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                for worker in pool.reap(self.idle_seconds):
                    worker.kill()

    def _pool(self, function_name: str) -> _Pool:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda runtime is closed")
            pool = self._pools.get(function_name)
            if pool is None:
                pool = self._pools[function_name] = _Pool(self.max_concurrency)
            return pool

    def _record(self, result: InvokeResult, *, cold: bool) -> None:
        with self._lock:
            stats = self._stats.setdefault(result.function_name, FunctionStats())
            stats.invocations += 1
            if cold:
                stats.cold_starts += 1
            if result.init_duration_ms is not None:
                stats.init_durations_ms.append(result.init_duration_ms)
            if result.error is not None:
                stats.errors += 1
            if result.timed_out:
                stats.timeouts += 1
            stats.durations_ms.append(result.duration_ms)
