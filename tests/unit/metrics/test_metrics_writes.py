"""The metrics' writes under contention and lost responses: a write conflict is tried again, a bounded number of times
after a jittered wait; a mark already there is a duplicate at once; a commit whose response was lost is counted when
it is sent again within DynamoDB's ten minutes (the transaction's ``ClientRequestToken`` is the fact's).

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
from botocore.exceptions import ConnectionClosedError

from core.errors import DependencyFailed
from metricas.counters import Tally
from metricas.dal import BACKOFF_SECONDS, WRITE_ATTEMPTS, MetricsDal, request_token

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
    condition fails; ``lost``: committed, but the connection closes before the answer; ``ok``: as DynamoDB would).
    As DynamoDB does, a transaction with a token it committed answers success again without writing (another
    transaction with that token: ``IdempotentParameterMismatchException``), and the mark is put only if absent."""

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.marks: set[str] = set()
        self.tokens: dict[str, list[Any]] = {}  # committed: token -> its items (the ten minutes never end here)

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
        token = body.get("ClientRequestToken")  # botocore sends a random one when the caller does not
        if token in self.tokens:
            return _ok() if self.tokens[token] == items else _error("IdempotentParameterMismatchException")
        if mark in self.marks:
            return _cancelled(["ConditionalCheckFailed", *["None"] * (len(items) - 1)])
        self.marks.add(mark)
        self.tokens[token] = items
        if outcome == "lost":
            raise ConnectionClosedError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")
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


def tally(milliseconds: int = 400_000) -> Tally:
    """An event that ends the kitchen: its mark, a day row's counters and the row's maximum."""
    result = Tally("X#o1#EMPAQUETAMIENTO")
    result.add(DAY, 1_800_000_000, {"cocina_completed": 1, "cocina_ms": milliseconds})
    result.raise_max(DAY, "cocina_max_ms", milliseconds)
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


def test_a_commit_whose_response_was_lost_is_counted_when_its_event_comes_again_within_ten_minutes() -> None:
    # Given a transaction committed whose answer never arrived (botocore gave up: the invocation fails, SQS will
    # deliver the event again)
    endpoint = Endpoint("lost")
    dal = MetricsDal(client(endpoint, retries={"total_max_attempts": 1}), metrics_table=TABLE)
    with pytest.raises(DependencyFailed):
        write(dal, "TransactWriteItems")

    # When the event is delivered again, within DynamoDB's ten minutes
    outcome = write(dal, "TransactWriteItems")

    # Then DynamoDB answers the fact's token with success: counted (its business metrics emitted), not a duplicate
    assert outcome is True and endpoint.marks == {"X#o1#EMPAQUETAMIENTO"}
    [first, again] = [body["ClientRequestToken"] for _, body in endpoint.calls]
    assert first == again == request_token("bembos-miraflores", "X#o1#EMPAQUETAMIENTO", 0) and len(first) == 36
    assert request_token("bembos-san-isidro", "X#o1#EMPAQUETAMIENTO", 0) != first  # another tenant's fact


def test_a_commit_retried_by_botocore_after_a_lost_response_is_counted() -> None:
    # botocore's own retry resends the same request (its token too): the commit answers success
    endpoint = Endpoint("lost")
    dal = MetricsDal(client(endpoint, retries={"total_max_attempts": 2}), metrics_table=TABLE)

    assert write(dal, "TransactWriteItems") is True
    assert len(endpoint.calls) == 2 and endpoint.calls[0][1] == endpoint.calls[1][1]


def test_a_token_used_for_other_counters_leaves_the_mark_to_decide() -> None:
    # Given the fact committed with other counters within ten minutes (the tenant's time limits changed, say)
    endpoint = Endpoint()
    dal = MetricsDal(client(endpoint), metrics_table=TABLE)
    assert dal.record("bembos-miraflores", tally(400_000), mark_expires_at=1_800_000_000) is True

    # When it comes again with these counters, DynamoDB refuses the token; without it, the mark is there
    assert dal.record("bembos-miraflores", tally(500_000), mark_expires_at=1_800_000_000) is False

    tokens = [body["ClientRequestToken"] for _, body in endpoint.calls]
    assert len(tokens) == 3 and tokens[0] == tokens[1] != tokens[2]  # the last one botocore's own
