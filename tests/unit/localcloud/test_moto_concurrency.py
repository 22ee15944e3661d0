"""The local cloud's AWS emulator keeps AWS's atomicity under concurrency (localcloud/moto_launcher.py).

On AWS a conditional write (PutItem, UpdateItem, DeleteItem) and a TransactWriteItems are atomic: of several
concurrent writes under the same condition, one passes. moto's server answers each request on its own thread and
checks a condition and writes as separate steps, so two packers both got 200 on ``tomar`` for the same order in a
load run (issue 15). Likewise a FIFO queue hands a message, and a message group, to one receiver at a time.

The server here is the launcher's, in its own process as the local cloud runs it, with one change: a checked
condition takes 1 ms more before the write goes on, and a message found visible 1 ms more before it is marked
received. That is the pause a loaded emulator takes anyway, placed where a race does harm, so that the requests of
a round meet there (before the fix, more than one write passed in 5 to 10 rounds of 10, and 10 to 12 of 30
messages went to two receivers); without it the race shows now and then (in probes of 30 to 50 rounds of
conditional updates: in none at the default thread switch interval, in a few with large items or with the server
switching threads every microsecond).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[3]
THREADS = 16
ROUNDS = 6
CHECK_DELAY_SECONDS = 0.001

# The launcher run as ``python -m localcloud.moto_launcher`` runs it, once a checked condition and the receipt of
# a message found visible are made slower.
_SLOW_CHECK_LAUNCHER = """
import runpy, sys, time
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.sqs.models import Message

parse, delay = ConditionExpressionParser.parse, float(sys.argv[2])

class SlowCheck:
    def __init__(self, condition):
        self.condition = condition

    def expr(self, item):
        passed = self.condition.expr(item)
        time.sleep(delay)
        return passed

def slow_parse(self):
    condition = parse(self)
    return SlowCheck(condition) if self.condition_expression else condition

ConditionExpressionParser.parse = slow_parse
mark_received = Message.mark_received

def slow_mark_received(self, *args, **kwargs):
    time.sleep(delay)
    mark_received(self, *args, **kwargs)

Message.mark_received = slow_mark_received
sys.argv = ["moto_launcher", "-H", "127.0.0.1", "-p", sys.argv[1]]
runpy.run_module("localcloud.moto_launcher", run_name="__main__", alter_sys=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", _SLOW_CHECK_LAUNCHER, str(port), str(CHECK_DELAY_SECONDS)],
        cwd=ROOT,
        env={**os.environ, "MOTO_PORT": str(port), "LOCALCLOUD_PARENT_PID": str(os.getpid())},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto launcher did not start") from None
                time.sleep(0.02)
        yield url
    finally:
        server.kill()
        server.wait(timeout=10)


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        # one connection per thread, and no retry: a request the server fails is an error here
        config=Config(max_pool_connections=THREADS, retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def dynamodb(endpoint: str) -> Any:
    client = _client(endpoint, "dynamodb")
    for table in ("pedidos", "despacho"):
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return client


def _race(rounds: int, attempt: Callable[[int, str, threading.Barrier], bool]) -> list[list[str]]:
    """Each round, every thread makes its attempt at the same moment; the winners of each round, by round."""
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def worker(me: str) -> list[bool]:
        won = []
        try:
            for n in range(rounds):
                start.wait(timeout=30)
                won.append(attempt(n, me, start))
        except threading.BrokenBarrierError:
            pass  # another thread failed: its error is the one raised
        except BaseException as error:
            failures.append(error)
            start.abort()  # the other threads stop at once instead of waiting for this one
        return won

    names = [f"w{n:02}" for n in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = dict(zip(names, pool.map(worker, names), strict=True))
    if failures:
        raise failures[0]
    return [[me for me in names if results[me][n]] for n in range(rounds)]


def _refused(error: ClientError, code: str) -> bool:
    if error.response["Error"]["Code"] != code:
        raise error
    return False


def _rounds_won_by_other_than_one(winners: list[list[str]]) -> dict[int, list[str]]:
    return {n: who for n, who in enumerate(winners) if len(who) != 1}


def _item(dynamodb: Any, table: str, key: str) -> dict[str, Any]:
    return dynamodb.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item", {})


def test_of_concurrent_conditional_updates_of_an_item_one_passes(dynamodb: Any) -> None:
    # Given an order each round waiting in the packing queue, when every packer claims it at once
    for n in range(ROUNDS):
        dynamodb.put_item(TableName="despacho", Item={"pk": {"S": f"claim-{n}"}, "estado": {"S": "pendiente"}})

    def claim(n: int, me: str, _: threading.Barrier) -> bool:
        try:
            dynamodb.update_item(
                TableName="despacho",
                Key={"pk": {"S": f"claim-{n}"}},
                UpdateExpression="SET estado = :tomado, tomado_por = :me",
                ConditionExpression="estado = :pendiente",
                ExpressionAttributeValues={
                    ":tomado": {"S": "tomado"},
                    ":pendiente": {"S": "pendiente"},
                    ":me": {"S": me},
                },
            )
        except ClientError as error:
            return _refused(error, "ConditionalCheckFailedException")
        return True

    winners = _race(ROUNDS, claim)

    # Then exactly one claim per order passed, and the order is that packer's
    assert _rounds_won_by_other_than_one(winners) == {}
    assert [_item(dynamodb, "despacho", f"claim-{n}")["tomado_por"]["S"] for n in range(ROUNDS)] == [
        who[0] for who in winners
    ]


def test_of_concurrent_conditional_puts_of_a_new_item_one_passes(dynamodb: Any) -> None:
    # Given a key nobody wrote yet (an idempotency record, an email's lock), when every thread creates it at once
    def create(n: int, me: str, _: threading.Barrier) -> bool:
        try:
            dynamodb.put_item(
                TableName="pedidos",
                Item={"pk": {"S": f"create-{n}"}, "by": {"S": me}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            return _refused(error, "ConditionalCheckFailedException")
        return True

    winners = _race(ROUNDS, create)

    # Then one creation per key passed, and the item is that one's
    assert _rounds_won_by_other_than_one(winners) == {}
    assert [_item(dynamodb, "pedidos", f"create-{n}")["by"]["S"] for n in range(ROUNDS)] == [who[0] for who in winners]


def test_concurrent_compare_and_set_increments_are_counted_once_each(dynamodb: Any) -> None:
    # Given a counter, when every thread reads it and then, all at once, adds one if it still holds what it read
    dynamodb.put_item(TableName="pedidos", Item={"pk": {"S": "counter"}, "n": {"N": "0"}})

    def increment(n: int, me: str, start: threading.Barrier) -> bool:
        seen = _item(dynamodb, "pedidos", "counter")["n"]["N"]
        start.wait(timeout=30)  # every thread has read before any writes: all read the same value
        try:
            dynamodb.update_item(
                TableName="pedidos",
                Key={"pk": {"S": "counter"}},
                UpdateExpression="SET n = n + :one",
                ConditionExpression="n = :seen",
                ExpressionAttributeValues={":one": {"N": "1"}, ":seen": {"N": seen}},
            )
        except ClientError as error:
            return _refused(error, "ConditionalCheckFailedException")
        return True

    winners = _race(ROUNDS, increment)

    # Then one increment per round passed, and the counter counts exactly those
    assert _rounds_won_by_other_than_one(winners) == {}
    assert _item(dynamodb, "pedidos", "counter")["n"]["N"] == str(ROUNDS)


def test_of_concurrent_transactions_on_the_same_items_one_passes_whole(dynamodb: Any) -> None:
    # Given an order and its dispatch row (two tables), when every thread takes both in one transaction at once,
    # half of them naming the two items in the other order
    def take_both(n: int, me: str, _: threading.Barrier) -> bool:
        updates = [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": f"pair-{n}"}},
                    "UpdateExpression": "SET taken_by = :me",
                    "ConditionExpression": "attribute_not_exists(taken_by)",
                    "ExpressionAttributeValues": {":me": {"S": me}},
                }
            }
            for table in ("pedidos", "despacho")
        ]
        if int(me[1:]) % 2:
            updates.reverse()
        try:
            dynamodb.transact_write_items(TransactItems=updates)
        except ClientError as error:
            return _refused(error, "TransactionCanceledException")
        return True

    winners = _race(ROUNDS, take_both)

    # Then at most one transaction per pair passed (AWS may cancel all of those that conflict), and the pair holds
    # its write in both items or in neither (nothing lost to another transaction's rollback)
    assert {n: who for n, who in enumerate(winners) if len(who) > 1} == {}
    for table in ("pedidos", "despacho"):
        holders = [_item(dynamodb, table, f"pair-{n}").get("taken_by", {}).get("S") for n in range(ROUNDS)]
        assert holders == [who[0] if who else None for who in winners], table


def test_concurrent_fifo_receives_hand_a_message_and_a_group_to_one_receiver_at_a_time(endpoint: str) -> None:
    # Given a FIFO queue holding three messages in each of ten groups
    sqs = _client(endpoint, "sqs")
    queue = sqs.create_queue(
        QueueName="empaquetamiento.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "60"},
    )["QueueUrl"]
    groups = [f"bembos#local-{g}" for g in range(10)]
    for n in range(3):
        entries = [{"Id": group[-1], "MessageBody": f"{group}/{n}", "MessageGroupId": group} for group in groups]
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)

    # When every thread receives from it at once, twice, keeping what it gets in flight
    receipts: list[tuple[str, int, list[str]]] = []

    def receive(n: int, me: str, _: threading.Barrier) -> bool:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        receipts.append((me, n, [message["Body"] for message in messages]))
        return bool(messages)

    _race(2, receive)

    # Then no message went to two receivers, and each group's messages went to one receive, in the group's order
    bodies = [body for _, _, received in receipts for body in received]
    assert sorted(body for body, times in Counter(bodies).items() if times > 1) == []
    for group in groups:
        taken = {(me, n): [b for b in received if b.startswith(f"{group}/")] for me, n, received in receipts}
        taken = {call: received for call, received in taken.items() if received}
        assert len(taken) <= 1, f"{group} was in flight with {len(taken)} receivers at once: {taken}"
        assert all(received == [f"{group}/{n}" for n in range(len(received))] for received in taken.values())
