"""SQS event source mappings poll moto's queues and call the functions in batches, like Lambda."""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from localcloud.esm import STANDARD_QUEUE_POLLERS, EventSourcePoller
from localcloud.lambda_runtime import InvokeResult, LambdaRuntime
from localcloud.model import EventSourceMapping, FunctionSpec

HANDLER = """
    import json, os

    def lambda_handler(event, context):
        with open(os.environ["SEEN_LOG"], "a") as log:
            log.write(json.dumps(event) + "\\n")
        failures = []
        for record in event["Records"]:
            body = json.loads(record["body"])
            if body.get("fail") == "all":
                raise RuntimeError("cannot process")
            if body.get("fail"):
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
"""


class World:
    def __init__(self, endpoint: str, tmp_path: Path) -> None:
        self.endpoint = endpoint
        self.tmp_path = tmp_path
        self.sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.seen_log = tmp_path / "seen.jsonl"
        code_dir = tmp_path / "consumer"
        (code_dir / "consumer").mkdir(parents=True)
        (code_dir / "consumer" / "__init__.py").write_text("")
        (code_dir / "consumer" / "handler.py").write_text(textwrap.dedent(HANDLER))
        spec = FunctionSpec(
            "S/Consumer",
            "consumer",
            "consumer.handler.lambda_handler",
            code_dir,
            {"SEEN_LOG": str(self.seen_log)},
        )
        self.runtime = LambdaRuntime({"consumer": spec}, {"AWS_REGION": "us-east-1"}, log_sink=lambda fn, line: None)
        self.pollers: list[EventSourcePoller] = []

    def queue(self, name: str, **attributes: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def poll(self, url: str, arn: str, **kwargs: Any) -> EventSourcePoller:
        mapping = EventSourceMapping("consumer", url, arn, **kwargs)
        poller = EventSourcePoller([mapping], self.runtime, self.endpoint, region="us-east-1")
        self.pollers.append(poller)
        poller.start()
        return poller

    def batches(self) -> list[dict[str, Any]]:
        if not self.seen_log.exists():
            return []
        return [json.loads(line) for line in self.seen_log.read_text().splitlines()]

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for batch in self.batches() for r in batch["Records"]]

    def count(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def close(self) -> None:
        for poller in self.pollers:
            poller.stop()
        self.runtime.close()


def eventually(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def world(moto_endpoint: str, tmp_path: Path) -> Iterator[World]:
    w = World(moto_endpoint, tmp_path)
    yield w
    w.close()


def test_messages_are_delivered_in_lambdas_sqs_event_shape_and_deleted(world: World) -> None:
    url, arn = world.queue("orders-created")
    world.sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps({"n": 1}),
        MessageAttributes={
            "tenant": {"DataType": "String", "StringValue": "bembos"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    poller = world.poll(url, arn)

    eventually(lambda: world.count(url) == 0 and poller.stats()[arn].batches == 1)

    record = world.batches()[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1"
    assert json.loads(record["body"]) == {"n": 1}
    assert record["receiptHandle"] and record["messageId"] and record["md5OfBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= record["attributes"].keys()
    assert record["messageAttributes"]["tenant"] == {
        "stringValue": "bembos",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="


def test_messages_arrive_in_batches_up_to_batch_size(world: World) -> None:
    url, arn = world.queue("batched")
    world.sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": json.dumps({"n": i})} for i in range(7)]
    )
    poller = world.poll(url, arn, batch_size=3, max_batching_window_seconds=1)

    eventually(lambda: poller.stats()[arn].messages == 7 and world.count(url) == 0)

    sizes = [len(b["Records"]) for b in world.batches()]
    assert sum(sizes) == 7 and max(sizes) <= 3
    assert sorted(b["n"] for b in world.bodies()) == list(range(7))


def test_partial_batch_failure_leaves_only_the_failed_message(world: World) -> None:
    url, arn = world.queue("partial", VisibilityTimeout="30")
    world.sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok1", "MessageBody": json.dumps({"n": 1})},
            {"Id": "bad", "MessageBody": json.dumps({"n": 2, "fail": True})},
            {"Id": "ok2", "MessageBody": json.dumps({"n": 3})},
        ],
    )
    poller = world.poll(url, arn, batch_size=10, max_batching_window_seconds=1, report_batch_item_failures=True)

    eventually(lambda: poller.stats()[arn].messages == 3)
    poller.stop()

    assert poller.stats()[arn].failures == 1
    assert world.count(url) == 1
    leftover = world.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, WaitTimeSeconds=0)
    # the failed message is in flight until the visibility timeout ends: nothing visible yet
    assert leftover.get("Messages", []) == []
    world.sqs.purge_queue(QueueUrl=url)


def test_function_error_keeps_the_whole_batch_and_dlq_receives_it_after_max_receive_count(
    world: World,
) -> None:
    dlq_url, dlq_arn = world.queue("poison-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    url, arn = world.queue("poison", VisibilityTimeout="1", RedrivePolicy=redrive)
    world.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"fail": "all"}))
    poller = world.poll(url, arn)

    eventually(lambda: world.count(dlq_url) == 1, timeout=30)

    assert world.count(url) == 0
    assert poller.stats()[arn].errors == 2
    receive_counts = [b["Records"][0]["attributes"]["ApproximateReceiveCount"] for b in world.batches()]
    assert receive_counts == ["1", "2"]


def test_fifo_group_order_is_preserved_across_a_failure(world: World) -> None:
    url, arn = world.queue("kitchen.fifo", FifoQueue="true", ContentBasedDeduplication="true", VisibilityTimeout="1")
    # group A: 1, 2 (fails on its first delivery), 3; group B: 1, 2
    fail_marker = world.tmp_path / "failed-once"
    for group, n in [("A", 1), ("B", 1), ("A", 2), ("B", 2), ("A", 3)]:
        body = {"group": group, "n": n}
        if (group, n) == ("A", 2):
            body["fail_once"] = str(fail_marker)
        world.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageGroupId=group)
    flaky = """
        import json, os

        def lambda_handler(event, context):
            with open(os.environ["SEEN_LOG"], "a") as log:
                log.write(json.dumps(event) + "\\n")
            failures = []
            for record in event["Records"]:
                body = json.loads(record["body"])
                marker = body.get("fail_once")
                if marker and not os.path.exists(marker):
                    open(marker, "w").close()
                    failures.append({"itemIdentifier": record["messageId"]})
            return {"batchItemFailures": failures}
    """
    (world.tmp_path / "consumer" / "consumer" / "handler.py").write_text(textwrap.dedent(flaky))
    poller = world.poll(url, arn, batch_size=10, report_batch_item_failures=True)

    eventually(lambda: world.count(url) == 0, timeout=30)
    poller.stop()

    processed: dict[str, list[int]] = {"A": [], "B": []}
    for batch in world.batches():
        records = batch["Records"]
        assert all(r["attributes"]["MessageGroupId"] for r in records)
        for record in records:
            body = json.loads(record["body"])
            processed[body["group"]].append(body["n"])
    # A's 3 came after the failed 2 in the same batch, so it was redelivered with 2, in order
    assert processed["A"] == [1, 2, 3, 2, 3]
    assert processed["B"] == [1, 2]
    assert poller.stats()[arn].failures == 2


def test_stop_is_prompt_and_idempotent(world: World) -> None:
    url, arn = world.queue("idle")
    poller = world.poll(url, arn)

    poller.stop()
    poller.stop()

    assert poller.stats()[arn].batches == 0


class SlowConsumer:
    """An invoker whose every batch takes 0.2 s; it records how many batches were in its hands at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = self.most = self.records = 0

    def invoke(self, function_name: str, event: Any) -> InvokeResult:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        time.sleep(0.2)
        with self.lock:
            self.in_flight -= 1
            self.records += len(event["Records"])
        return InvokeResult(function_name, "r", payload=None)


@pytest.mark.parametrize(
    ("name", "attributes", "most"),
    [("wide", {}, range(2, STANDARD_QUEUE_POLLERS + 1)), ("narrow.fifo", {"FifoQueue": "true"}, range(1, 2))],
)
def test_a_standard_queue_is_read_several_batches_at_once_and_a_fifo_queue_one(
    world: World, name: str, attributes: dict[str, str], most: range
) -> None:
    url, arn = world.queue(name, **attributes)
    fifo = {"MessageGroupId": "g", "MessageDeduplicationId": "{n}"} if attributes else {}
    for n in range(6):
        world.sqs.send_message(QueueUrl=url, MessageBody=str(n), **{k: v.format(n=n) for k, v in fifo.items()})
    consumer = SlowConsumer()
    poller = EventSourcePoller([EventSourceMapping("consumer", url, arn, batch_size=1)], consumer, world.endpoint)
    world.pollers.append(poller)

    poller.start()
    eventually(lambda: consumer.records == 6)

    assert consumer.most in most
