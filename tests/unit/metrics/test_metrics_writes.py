"""The metrics' writes under contention: a write conflict is tried again, a bounded number of times after a jittered
wait, and a mark already there is a duplicate at once.

moto never reports a write conflict, so these tests give a real boto3 client a DynamoDB of their own (its
``before-send`` hook, ``Endpoint``): botocore builds, signs, retries and parses every call as it would against AWS,
and the endpoint answers each call with the next scripted outcome, or else as DynamoDB would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from core.errors import DependencyFailed
from metricas.counters import Tally
from metricas.dal import BACKOFF_SECONDS, WRITE_ATTEMPTS, MetricsDal

TABLE = "t-metricas"
DAY = "D#larco#2026-11-28"


class _Body:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._data = json.dumps(payload).encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class Endpoint:
    """The metrics table as DynamoDB answers it, for ``TransactWriteItems`` and ``UpdateItem``: each call takes the
    next scripted outcome (``conflict``: cancelled for a ``TransactionConflict`` / ``TransactionConflictException``;
    ``mark_and_conflict``: cancelled for the mark's condition and a conflict; ``condition``: an UpdateItem's
    condition fails; ``ok``: as DynamoDB would, the mark put only if absent)."""

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.marks: set[str] = set()

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        target = request.headers["X-Amz-Target"]
        operation = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        body = json.loads(request.body)
        self.calls.append((operation, body))
        outcome = self.script.pop(0) if self.script else "ok"
        if operation == "TransactWriteItems":
            return self._transaction(body, outcome)
        if outcome == "conflict":
            return _error("TransactionConflictException")
        if outcome == "condition":
            return _error("ConditionalCheckFailedException")
        return _ok()

    def _transaction(self, body: dict[str, Any], outcome: str) -> AWSResponse:
        items = body["TransactItems"]
        mark = items[0]["Put"]["Item"]["metric_key"]["S"]
        if outcome == "conflict":
            return _cancelled(["None", "TransactionConflict", *["None"] * (len(items) - 2)])
        if outcome == "mark_and_conflict":
            return _cancelled(["ConditionalCheckFailed", "TransactionConflict", *["None"] * (len(items) - 2)])
        if mark in self.marks:
            return _cancelled(["ConditionalCheckFailed", *["None"] * (len(items) - 1)])
        self.marks.add(mark)
        return _ok()


def _ok() -> AWSResponse:
    return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 200, {"x-amzn-requestid": "r"}, _Body({}))


def _error(code: str, **fields: Any) -> AWSResponse:
    payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **fields}
    return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 400, {"x-amzn-requestid": "r"}, _Body(payload))


def _cancelled(codes: list[str]) -> AWSResponse:
    return _error("TransactionCanceledException", CancellationReasons=[{"Code": code} for code in codes])


def client(endpoint: Endpoint, **config: Any) -> Any:
    dynamodb = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config),
    )
    dynamodb.meta.events.register("before-send.dynamodb", endpoint)
    return dynamodb


def tally() -> Tally:
    """An event that ends the kitchen: its mark, a day row's counters and the row's maximum."""
    result = Tally("X#o1#EMPAQUETAMIENTO")
    result.add(DAY, 1_800_000_000, {"cocina_completed": 1, "cocina_ms": 400_000})
    result.raise_max(DAY, "cocina_max_ms", 400_000)
    return result


def write(dal: MetricsDal, operation: str) -> bool | None:
    if operation == "TransactWriteItems":
        return dal.record("bembos-miraflores", tally(), mark_expires_at=1_800_000_000)
    dal.raise_maxima("bembos-miraflores", tally())
    return None


OPERATIONS = ("TransactWriteItems", "UpdateItem")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_write_refused_for_a_conflict_is_tried_again_after_a_jittered_wait_until_it_succeeds(operation: str) -> None:
    # Given a table where the write conflicts twice with another transaction, then goes through
    endpoint, waits = Endpoint("conflict", "conflict"), []
    dal = MetricsDal(client(endpoint), metrics_table=TABLE, sleep=waits.append)

    # When the consumer writes
    outcome = write(dal, operation)

    # Then it was written at the third attempt (counted, for the transaction), after two waits within their bounds
    assert [name for name, _ in endpoint.calls] == [operation] * 3
    assert outcome is (True if operation == "TransactWriteItems" else None)
    assert len(waits) == 2 and 0 <= waits[0] <= BACKOFF_SECONDS and 0 <= waits[1] <= 2 * BACKOFF_SECONDS


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_write_that_keeps_conflicting_fails_after_a_bounded_number_of_attempts_and_wait(operation: str) -> None:
    endpoint, waits = Endpoint(*["conflict"] * 10), []
    dal = MetricsDal(client(endpoint), metrics_table=TABLE, sleep=waits.append)

    with pytest.raises(DependencyFailed):
        write(dal, operation)

    # Four attempts, three waits: at most 0.025 + 0.05 + 0.1 s in all, well inside the consumer's 30 s
    assert [name for name, _ in endpoint.calls] == [operation] * WRITE_ATTEMPTS == [operation] * 4
    assert len(waits) == 3 and all(0 <= wait <= BACKOFF_SECONDS * 2**n for n, wait in enumerate(waits))
    assert pytest.approx(0.175) == BACKOFF_SECONDS * (1 + 2 + 4)


def test_a_transaction_cancelled_for_its_mark_is_a_duplicate_at_once_even_when_another_item_conflicted() -> None:
    # Given a cancellation naming both reasons: the mark's condition failed, and another item conflicted
    endpoint, waits = Endpoint("mark_and_conflict"), []
    dal = MetricsDal(client(endpoint), metrics_table=TABLE, sleep=waits.append)

    assert write(dal, "TransactWriteItems") is False
    assert len(endpoint.calls) == 1 and waits == []


def test_a_maximum_already_higher_is_not_retried() -> None:
    endpoint, waits = Endpoint("condition"), []
    dal = MetricsDal(client(endpoint), metrics_table=TABLE, sleep=waits.append)

    write(dal, "UpdateItem")

    assert [name for name, _ in endpoint.calls] == ["UpdateItem"] and waits == []
