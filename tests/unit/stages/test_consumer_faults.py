"""The stage consumer as deployed (``etapas.consumer.lambda_handler``, its runtime from the environment) on moto,
crashing part-way through a batch: what failed is redelivered and completed, what was done is not done again.

Each ``OrderStatusChanged`` on the bus is counted where it lands: an EventBridge rule sends it to an SQS queue.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from stage_world import ORDERS, TABLES, World

from core import contracts
from etapas import consumer, runtime

TENANT = "bembos-miraflores"
REGION = "us-east-1"
BUS = "bembos-test-bus"
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:bembos-test-pedido"


class Context:
    function_name = "etapas-consumidor-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:etapas-consumidor-test"
    aws_request_id = "req-1"


def record(order_id: str, location: str, sequence: int) -> dict[str, Any]:
    """An SQS FIFO record of the kitchen's queue, as the workflow's ``sendMessage.waitForTaskToken`` sends it."""
    body = {
        "tenant_id": TENANT,
        "order_id": order_id,
        "location_id": location,
        "dispatch": "delivery",
        "stage": contracts.COCINA,
        "task_token": f"token-{order_id}",
        "entered_at": "2026-05-04T18:00:00.000Z",
    }
    return {
        "messageId": f"m-{order_id}",
        "receiptHandle": f"rh-{order_id}",
        "body": json.dumps(body),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1777917600000",
            "SequenceNumber": f"{sequence:020d}",
            "MessageGroupId": f"{TENANT}#{location}",
            "SenderId": "AIDAEXAMPLE",
            "MessageDeduplicationId": f"{order_id}#COCINA#1",
            "ApproximateFirstReceiveTimestamp": "1777917600000",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:bembos-test-cocina.fifo",
        "awsRegion": REGION,
    }


@dataclass
class Faults:
    """Makes the consumer's own AWS clients fail once, for one order, at one call (a botocore event hook)."""

    pending: list[tuple[str, str]]  # (operation, order id) still to fail

    def inject(self, operation: str, order_id: str) -> None:
        self.pending.append((operation, order_id))

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        text = json.dumps(params, default=str)
        for operation, order_id in list(self.pending):
            if model.name == operation and f'"{order_id}"' in text.replace('\\"', '"'):
                self.pending.remove((operation, order_id))
                raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected crash"}}, model.name)


@dataclass
class Consumer:
    handle: Callable[[list[dict[str, Any]]], list[str]]  # records -> the message ids reported failed
    faults: Faults
    announced: Callable[[], Counter[str]]  # order id -> OrderStatusChanged COCINA events seen on the bus


@pytest.fixture
def deployed(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Consumer]:
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events.create_event_bus(Name=BUS)
    tap = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="status-changes",
        EventBusName=BUS,
        EventPattern=json.dumps({"source": [contracts.EVENT_SOURCE_ORDERS]}),
    )
    events.put_targets(Rule="status-changes", EventBusName=BUS, Targets=[{"Id": "tap", "Arn": tap_arn}])
    environment = {
        "ORDERS_TABLE": ORDERS,
        "COCINA_TABLE": TABLES[contracts.COCINA],
        "DESPACHADOR_TABLE": TABLES[contracts.EMPAQUETAMIENTO],
        "DELIVERY_TABLE": TABLES[contracts.DELIVERY],
        "EVENT_BUS_NAME": BUS,
        "STATE_MACHINE_ARN": STATE_MACHINE,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    faults = Faults([])
    runtime.dal()  # build the clients, then hook the faults on them
    for service in ("dynamodb", "events"):
        runtime.cached.client(service).meta.events.register("before-parameter-build.*.*", faults)
    seen: Counter[str] = Counter()

    def announced() -> Counter[str]:
        while messages := sqs.receive_message(QueueUrl=tap, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                event = json.loads(message["Body"])
                if event["detail-type"] == contracts.ORDER_STATUS_CHANGED:
                    seen[f"{event['detail']['order_id']}#{event['detail']['estado_pedido']}"] += 1
                sqs.delete_message(QueueUrl=tap, ReceiptHandle=message["ReceiptHandle"])
        return Counter({key.split("#")[0]: n for key, n in seen.items() if key.endswith("#COCINA")})

    def handle(records: list[dict[str, Any]]) -> list[str]:
        answer = consumer.lambda_handler({"Records": records}, Context())
        return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]

    yield Consumer(handle, faults, announced)
    runtime.reset()


def _in_the_kitchen_once(world: World, order_ids: list[str]) -> None:
    for order_id in order_ids:
        order = world.order(TENANT, order_id)
        assert order["estado_pedido"] == contracts.COCINA, order_id
        assert [h["estado"] for h in order["history"]] == [contracts.PAGADO, contracts.COCINA], order_id
        row = world.row(contracts.COCINA, TENANT, order_id)
        assert (row["status"], row["task_token"]) == ("pending", f"token-{order_id}"), order_id
    rows = world.dynamodb.scan(TableName=TABLES[contracts.COCINA])["Items"]
    assert sorted(item["order_id"]["S"] for item in rows) == sorted(order_ids)


def test_a_batch_that_crashes_on_one_order_is_finished_by_the_redelivery_and_nothing_is_done_twice(
    world: World, deployed: Consumer
) -> None:
    # Given four paid orders, three at Larco (one FIFO group) and one at Benavides,
    orders = ["o-1", "o-2", "o-3", "o-4"]
    for order_id, location in zip(orders, ["larco", "larco", "larco", "benavides"], strict=True):
        world.seed_order(TENANT, order_id, contracts.PAGADO, location=location)
    batch = [record(o, loc, i) for i, (o, loc) in enumerate(zip(orders, ["larco"] * 3 + ["benavides"], strict=True))]
    # and DynamoDB failing the second order's transaction once,
    deployed.faults.inject("TransactWriteItems", "o-2")

    # when the batch is consumed,
    failed = deployed.handle(batch)

    # then the failed order and the one behind it in its group go back to the queue (Larco's order holds),
    assert failed == ["m-o-2", "m-o-3"]
    assert world.order(TENANT, "o-2")["estado_pedido"] == contracts.PAGADO
    assert deployed.announced() == Counter({"o-1": 1, "o-4": 1})

    # and their redelivery enters them, each order once in the kitchen, once in its timeline, once on the bus.
    assert deployed.handle([r for r in batch if r["messageId"] in failed]) == []
    _in_the_kitchen_once(world, orders)
    assert deployed.announced() == Counter({"o-1": 1, "o-2": 1, "o-3": 1, "o-4": 1})


def test_a_crash_after_the_write_before_the_event_announces_once_and_a_whole_batch_redelivered_changes_nothing(
    world: World, deployed: Consumer
) -> None:
    # Given two paid orders at two locations, and EventBridge failing the first one's event once
    # (its tracking row and state change are written: the crash comes between the write and the event),
    for order_id, location in [("o-5", "larco"), ("o-6", "benavides")]:
        world.seed_order(TENANT, order_id, contracts.PAGADO, location=location)
    batch = [record("o-5", "larco", 1), record("o-6", "benavides", 2)]
    deployed.faults.inject("PutEvents", "o-5")

    # when the batch is consumed, the written but unannounced order is retried,
    assert deployed.handle(batch) == ["m-o-5"]
    assert world.order(TENANT, "o-5")["estado_pedido"] == contracts.COCINA
    assert deployed.announced() == Counter({"o-6": 1})

    # its redelivery announces it (not lost),
    assert deployed.handle([batch[0]]) == []
    assert deployed.announced() == Counter({"o-5": 1, "o-6": 1})

    # and the whole batch delivered again (a function that timed out after its work) changes and announces nothing.
    assert deployed.handle(batch) == []
    _in_the_kitchen_once(world, ["o-5", "o-6"])
    assert deployed.announced() == Counter({"o-5": 1, "o-6": 1})
