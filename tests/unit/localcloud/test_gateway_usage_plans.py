"""The local gateway applies the usage plans: each API key its own token bucket; a keyed method without a key is 403.

No sleeps: the gateway's clock is injected, and the functions are a fake invoker (no Lambda workers)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest

from localcloud.gateway import TokenBucket, UsagePlanGate, create_gateway
from localcloud.lambda_runtime import InvokeResult
from localcloud.model import AuthorizerSpec, GatewayResponse, RestApiSpec, RestRoute, UsagePlanSpec

BASICO = UsagePlanSpec("plan-basico", "bembos-dev-basico", rate_limit=2.0, burst_limit=3)
CADENA = UsagePlanSpec("plan-cadena", "bembos-dev-cadena", rate_limit=50.0, burst_limit=100)
AUTHORIZER = AuthorizerSpec("authorizer", ("method.request.header.Authorization",), result_ttl_seconds=0)
# As constructs/usage_plans.py and stacks/api.py shape them (the platform's error body).
_TEMPLATE = '{{"error": "{code}", "message": $context.error.messageString}}'
_CODES = {"THROTTLED": "too_many_requests", "INVALID_API_KEY": "forbidden", "QUOTA_EXCEEDED": "quota_exceeded"}
SHAPES = {kind: GatewayResponse(None, {}, {"application/json": _TEMPLATE.format(code=c)}) for kind, c in _CODES.items()}


def run_apart(coroutine: Any) -> Any:
    """``asyncio.run`` in a thread of its own: the test process may already run an event loop in this thread (a
    pytest worker that ran the browser tests keeps Playwright's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class FakeFunctions:
    """The authorizer names the key of the token's tenant ("tenant-<id>-usage-key"); the service echoes."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def invoke(self, function_name: str, event: Any) -> InvokeResult:
        if function_name == "authorizer":
            tenant = event["headers"]["Authorization"]
            answer: dict[str, Any] = {
                "principalId": tenant,
                "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]},
            }
            if tenant != "sin-llave":
                answer["usageIdentifierKey"] = f"tenant-{tenant}-usage-key"
            return InvokeResult(function_name, "r", payload=answer)
        self.calls.append(event["path"])
        return InvokeResult(function_name, "r", payload={"statusCode": 200, "body": "{}"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _gate(
    plans: dict[str, set[str]], clock: Clock, today: date = date(2026, 11, 29), *spec: UsagePlanSpec
) -> UsagePlanGate:
    return UsagePlanGate(spec or (BASICO, CADENA), lambda: plans, clock, today=lambda: today)


def _admit(gate: UsagePlanGate, key: str | None) -> int:
    refused = run_apart(gate.admit(key))
    return 200 if refused is None else refused.status


# -- the bucket --------------------------------------------------------------------------------------------------


def test_a_full_bucket_admits_its_burst_then_one_request_per_refilled_token() -> None:
    bucket = TokenBucket.full(rate=2.0, burst=3, now=0.0)

    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.4) is False  # 0.8 of a token
    assert bucket.take(0.5) is True  # 1.0
    assert [bucket.take(10.0) for _ in range(4)] == [True, True, True, False]  # refilled to the burst, not beyond


# -- the gate ----------------------------------------------------------------------------------------------------


def test_one_keys_burst_does_not_touch_another_keys_bucket_in_the_same_plan() -> None:
    clock = Clock()
    gate = _gate({"tenant-a-usage-key": {"plan-basico"}, "tenant-b-usage-key": {"plan-basico"}}, clock)

    a = [_admit(gate, "tenant-a-usage-key") for _ in range(6)]
    b = [_admit(gate, "tenant-b-usage-key") for _ in range(3)]

    assert a == [200, 200, 200, 429, 429, 429]
    assert b == [200, 200, 200]


def test_a_key_gets_its_plans_limits() -> None:
    clock = Clock()
    gate = _gate({"tenant-a-usage-key": {"plan-basico"}, "tenant-c-usage-key": {"plan-cadena"}}, clock)

    assert [_admit(gate, "tenant-a-usage-key") for _ in range(4)].count(429) == 1
    assert 429 not in [_admit(gate, "tenant-c-usage-key") for _ in range(100)]


def test_a_throttled_key_is_admitted_again_as_its_bucket_refills() -> None:
    clock = Clock()
    gate = _gate({"tenant-a-usage-key": {"plan-basico"}}, clock)
    assert [_admit(gate, "tenant-a-usage-key") for _ in range(4)][-1] == 429

    clock.now += 0.5  # one token at 2 a second

    assert [_admit(gate, "tenant-a-usage-key") for _ in range(2)] == [200, 429]


@pytest.mark.parametrize("key", [None, "tenant-z-usage-key"])
def test_no_key_or_a_key_in_no_plan_of_the_stage_is_403(key: str | None) -> None:
    gate = _gate({"tenant-a-usage-key": {"plan-basico"}, "tenant-z-usage-key": {"plan-of-another-api"}}, Clock())

    assert _admit(gate, key) == 403


def test_a_key_that_joins_a_plan_is_admitted_once_the_keys_are_read_again() -> None:
    clock, members = Clock(), {}  # type: ignore[var-annotated]
    gate = _gate(members, clock)
    assert _admit(gate, "tenant-a-usage-key") == 403

    members["tenant-a-usage-key"] = {"plan-basico"}  # the provisioner ran apply_tier
    clock.now += 1.0

    assert _admit(gate, "tenant-a-usage-key") == 200


def test_a_plans_daily_quota_is_429_until_the_next_day() -> None:
    clock, today = Clock(), [date(2026, 11, 29)]
    quota = UsagePlanSpec("plan-q", "q", rate_limit=100.0, burst_limit=100, quota_limit=2, quota_period="DAY")
    gate = UsagePlanGate([quota], lambda: {"k" * 20: {"plan-q"}}, clock, today=lambda: today[0])

    assert [_admit(gate, "k" * 20) for _ in range(3)] == [200, 200, 429]
    today[0] = date(2026, 11, 30)
    assert _admit(gate, "k" * 20) == 200


# -- through HTTP ------------------------------------------------------------------------------------------------


def test_over_its_limit_a_tenant_gets_the_platforms_429_and_its_function_is_not_called() -> None:
    functions, clock = FakeFunctions(), Clock()
    routes = (
        RestRoute("GET", "/pedidos", "service", authorizer=AUTHORIZER, api_key_required=True),
        RestRoute("GET", "/tienda", "service"),  # public: no key, no plan throttle
    )
    api = RestApiSpec("api", "dev", routes, gateway_responses=SHAPES, usage_plans=(BASICO,))
    members = {"tenant-a-usage-key": {"plan-basico"}, "tenant-b-usage-key": {"plan-basico"}}
    app = create_gateway([api], [], functions, clock=clock, usage_keys=lambda: members)

    async def run() -> dict[str, list[httpx.Response]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            got: dict[str, list[httpx.Response]] = {}
            for who, path, n in (("a", "/dev/pedidos", 5), ("b", "/dev/pedidos", 3), ("sin-llave", "/dev/pedidos", 1),
                                 ("a", "/dev/tienda", 5)):  # fmt: skip
                got[f"{who} {path}"] = [await client.get(path, headers={"Authorization": who}) for _ in range(n)]
            return got

    got = run_apart(run())

    assert [r.status_code for r in got["a /dev/pedidos"]] == [200, 200, 200, 429, 429]
    assert json.loads(got["a /dev/pedidos"][-1].text) == {"error": "too_many_requests", "message": "Too Many Requests"}
    assert [r.status_code for r in got["b /dev/pedidos"]] == [200, 200, 200]
    assert got["sin-llave /dev/pedidos"][0].status_code == 403
    assert json.loads(got["sin-llave /dev/pedidos"][0].text) == {"error": "forbidden", "message": "Forbidden"}
    assert [r.status_code for r in got["a /dev/tienda"]] == [200] * 5
    assert functions.calls.count("/pedidos") == 6  # a's three, b's three: never a throttled or keyless request
