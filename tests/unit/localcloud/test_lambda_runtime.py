"""The local Lambda runtime runs each function in its own warm, isolated worker process."""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from localcloud.lambda_runtime import FunctionNotFoundError, LambdaRuntime
from localcloud.model import FunctionSpec

RuntimeFactory = Callable[..., LambdaRuntime]


def make_function(
    root: Path,
    name: str,
    files: dict[str, str],
    handler: str = "app.handler.lambda_handler",
    **kwargs: object,
) -> FunctionSpec:
    code_dir = root / name
    for relative, source in files.items():
        path = code_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return FunctionSpec(
        logical_id=f"Stack/{name}",
        name=name,
        handler=handler,
        code_dir=code_dir,
        environment=dict(kwargs.pop("environment", {})),  # type: ignore[call-overload]
        **kwargs,  # type: ignore[arg-type]
    )


ECHO = """
    import os
    import helper

    def lambda_handler(event, context):
        print("handling", event.get("n"))
        return {
            "helper": helper.WHO,
            "event": event,
            "env": {k: os.environ.get(k) for k in event.get("env", [])},
            "cwd": os.getcwd(),
            "context": {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            },
            "pid": os.getpid(),
        }
"""


@pytest.fixture
def lines() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def runtime_factory(lines: list[tuple[str, str]]) -> Iterator[RuntimeFactory]:
    created: list[LambdaRuntime] = []

    def factory(*specs: FunctionSpec, **kwargs: object) -> LambdaRuntime:
        runtime = LambdaRuntime(
            {s.name: s for s in specs},
            {"AWS_REGION": "us-east-2", "AWS_ENDPOINT_URL": "http://127.0.0.1:5999"},
            log_sink=lambda fn, line: lines.append((fn, line)),
            **kwargs,  # type: ignore[arg-type]
        )
        created.append(runtime)
        return runtime

    yield factory
    for runtime in created:
        runtime.close()


def test_same_named_modules_of_two_functions_stay_isolated(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    # Given two functions that both import a module called "helper" with different content
    first = make_function(
        tmp_path, "first", {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 'one'"}
    )
    second = make_function(
        tmp_path, "second", {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 'two'"}
    )
    runtime = runtime_factory(first, second)

    # When both are invoked (twice, in alternation)
    answers = [runtime.invoke(name, {}).payload["helper"] for name in ("first", "second", "first", "second")]

    # Then each got its own module and ran in its own code folder
    assert answers == ["one", "two", "one", "two"]
    assert runtime.invoke("second", {}).payload["cwd"] == str(tmp_path / "second")


def test_the_code_folder_stays_as_deployed(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    # Lambda's task root is read-only: running a function writes no bytecode next to its code
    files = {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"}
    function = make_function(tmp_path, "readonly", files)
    runtime_factory(function).invoke("readonly", {})
    assert sorted(str(p.relative_to(function.code_dir)) for p in function.code_dir.rglob("*") if p.is_file()) == sorted(
        files
    )


def test_environment_has_base_function_and_lambda_variables(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    spec = make_function(
        tmp_path,
        "orders-fn",
        {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"},
        environment={"TABLE_NAME": "orders", "AWS_REGION": "ignored-by-lambda"},
        memory_mb=512,
    )
    runtime = runtime_factory(spec)
    os.environ["LOCALCLOUD_TEST_LEAK"] = "leaked"
    try:
        keys = [
            "TABLE_NAME",
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "_HANDLER",
            "LAMBDA_TASK_ROOT",
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "LOCALCLOUD_TEST_LEAK",
        ]
        env = runtime.invoke("orders-fn", {"env": keys}).payload["env"]
    finally:
        del os.environ["LOCALCLOUD_TEST_LEAK"]

    assert env == {
        "TABLE_NAME": "orders",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5999",
        "AWS_REGION": "us-east-2",
        "AWS_DEFAULT_REGION": "us-east-2",
        "AWS_LAMBDA_FUNCTION_NAME": "orders-fn",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "_HANDLER": "app.handler.lambda_handler",
        "LAMBDA_TASK_ROOT": str(tmp_path / "orders-fn"),
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orders-fn",
        "LOCALCLOUD_TEST_LEAK": None,
    }


def test_context_looks_like_lambdas(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    spec = make_function(
        tmp_path,
        "ctx",
        {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"},
        timeout_seconds=7,
    )
    runtime = runtime_factory(spec)

    result = runtime.invoke("ctx", {"n": 1})

    context = result.payload["context"]
    assert context["aws_request_id"] == result.request_id
    assert context["function_name"] == "ctx"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-2:123456789012:function:ctx"
    assert context["memory_limit_in_mb"] == "128"
    assert context["log_group_name"] == "/aws/lambda/ctx"
    assert "[$LATEST]" in context["log_stream_name"]
    assert 0 < context["remaining"] <= 7000
    assert "handling 1" in result.logs


def test_output_goes_to_the_log_sink_and_the_result(
    tmp_path: Path, runtime_factory: RuntimeFactory, lines: list[tuple[str, str]]
) -> None:
    spec = make_function(tmp_path, "loud", {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"})
    runtime = runtime_factory(spec)

    result = runtime.invoke("loud", {"n": 42})

    assert ("loud", "handling 42") in lines
    assert result.logs.splitlines()[1] == "handling 42"
    assert any(fn == "loud" and line.startswith(f"REPORT RequestId: {result.request_id}") for fn, line in lines)


def test_workers_stay_warm_and_cold_starts_are_counted(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    spec = make_function(tmp_path, "warm", {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"})
    runtime = runtime_factory(spec)

    first, second = runtime.invoke("warm", {}), runtime.invoke("warm", {})

    assert first.cold_start and not second.cold_start
    assert first.payload["pid"] == second.payload["pid"]
    stats = runtime.stats()["warm"]
    assert (stats.invocations, stats.cold_starts, stats.errors, len(stats.durations_ms)) == (2, 1, 0, 2)


def test_a_worker_left_idle_is_shut_down_and_the_next_call_cold_starts(
    tmp_path: Path, runtime_factory: RuntimeFactory
) -> None:
    spec = make_function(tmp_path, "idle", {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"})
    runtime = runtime_factory(spec, idle_seconds=0.2)
    first = runtime.invoke("idle", {})

    deadline = time.monotonic() + 10
    while runtime.warm_workers("idle") and time.monotonic() < deadline:
        time.sleep(0.05)
    again = runtime.invoke("idle", {})

    assert runtime.warm_workers("idle") == 1  # the new one
    assert again.cold_start and again.payload["pid"] != first.payload["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(first.payload["pid"], 0)


def test_an_updated_environment_reaches_every_later_invocation_in_a_new_worker(
    tmp_path: Path, runtime_factory: RuntimeFactory
) -> None:
    files = {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"}
    spec = make_function(tmp_path, "conf", files, environment={"A": "1"})
    runtime = runtime_factory(spec)
    before = runtime.invoke("conf", {"env": ["A", "B"]})

    previous = runtime.update_environment("conf", {"B": "2"})
    after = runtime.invoke("conf", {"env": ["A", "B"]})

    assert previous == {"A": "1"}
    assert before.payload["env"] == {"A": "1", "B": None} and after.payload["env"] == {"A": "1", "B": "2"}
    assert after.cold_start and after.payload["pid"] != before.payload["pid"]
    assert runtime.warm_workers("conf") == 1  # the old worker is gone


def test_handler_exception_has_lambdas_error_shape(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    source = """
        class OrderNotFound(Exception):
            pass

        def lambda_handler(event, context):
            raise OrderNotFound("order 7 not found")
    """
    spec = make_function(tmp_path, "fails", {"app/__init__.py": "", "app/handler.py": source})
    runtime = runtime_factory(spec)

    result = runtime.invoke("fails", {})

    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == "OrderNotFound"
    assert result.error["errorMessage"] == "order 7 not found"
    assert any("app/handler.py" in frame and "lambda_handler" in frame for frame in result.error["stackTrace"])
    assert not any("_lambda_worker" in frame for frame in result.error["stackTrace"])
    assert "[ERROR] OrderNotFound: order 7 not found" in result.logs
    assert runtime.stats()["fails"].errors == 1


def test_timeout_kills_the_worker_and_the_next_call_cold_starts(
    tmp_path: Path, runtime_factory: RuntimeFactory
) -> None:
    source = """
        import os, time

        def lambda_handler(event, context):
            if event.get("hang"):
                time.sleep(60)
            return os.getpid()
    """
    spec = make_function(tmp_path, "slow", {"app/__init__.py": "", "app/handler.py": source}, timeout_seconds=1)
    runtime = runtime_factory(spec)
    hung_pid = runtime.invoke("slow", {}).payload

    result = runtime.invoke("slow", {"hang": True})

    assert result.timed_out
    assert result.error is not None
    assert result.error["errorMessage"].endswith("Task timed out after 1.00 seconds")
    with pytest.raises(ProcessLookupError):
        os.kill(hung_pid, 0)
    after = runtime.invoke("slow", {})
    assert after.ok and after.cold_start and after.payload != hung_pid
    assert runtime.stats()["slow"].timeouts == 1


def test_a_worker_that_exits_becomes_an_error_result(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    source = """
        import os

        def lambda_handler(event, context):
            if event.get("die"):
                os._exit(3)
            return "alive"
    """
    spec = make_function(tmp_path, "dies", {"app/__init__.py": "", "app/handler.py": source})
    runtime = runtime_factory(spec)

    result = runtime.invoke("dies", {"die": True})

    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in result.error["errorMessage"]
    assert runtime.invoke("dies", {}).payload == "alive"


def test_import_error_is_an_init_error_result(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    spec = make_function(
        tmp_path, "broken", {"app/__init__.py": "", "app/handler.py": "import not_installed_anywhere\n"}
    )
    runtime = runtime_factory(spec)

    result = runtime.invoke("broken", {})

    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'app.handler'" in result.error["errorMessage"]
    assert runtime.warm_workers("broken") == 0


def test_concurrent_invocations_grow_the_pool_up_to_the_limit(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    source = """
        import os, time

        def lambda_handler(event, context):
            time.sleep(0.3)
            return os.getpid()
    """
    spec = make_function(tmp_path, "busy", {"app/__init__.py": "", "app/handler.py": source})
    runtime = runtime_factory(spec, max_concurrency=2)
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: runtime.invoke("busy", {}), range(5)))

    assert all(r.ok for r in results)
    assert len({r.payload for r in results}) == 2
    assert runtime.stats()["busy"].cold_starts == 2


def test_close_stops_every_worker(tmp_path: Path, runtime_factory: RuntimeFactory) -> None:
    spec = make_function(tmp_path, "closing", {"app/__init__.py": "", "app/handler.py": ECHO, "helper.py": "WHO = 1"})
    runtime = runtime_factory(spec)
    pid = runtime.invoke("closing", {}).payload["pid"]

    runtime.close()

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError):
        runtime.invoke("closing", {})


def test_unknown_function_is_not_found(runtime_factory: RuntimeFactory) -> None:
    with pytest.raises(FunctionNotFoundError):
        runtime_factory().invoke("nope", {})
