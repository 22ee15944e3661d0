"""Measure the local cloud: start-up time and the Step Functions hop from ``SendTaskSuccess`` to the next queue.

``python -m scripts.measure_localcloud [--runs 30] [--no-synth]``

The hop is timed from the moment ``SendTaskSuccess`` returns to the moment the execution
history shows the next stage's ``TaskSubmitted`` (the ``sqs:sendMessage`` to the next
role's queue has completed, so the message is visible), polled every 10 ms. The task
token comes from the history too, so the measure does not depend on any consumer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from typing import Any

import boto3

from localcloud.cloud import LocalCloud, free_port

TENANT = "bembos-miraflores"


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return list(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def _submitted(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scheduled SQS sends of the execution, with their parameters, in order."""
    scheduled = [e for e in events if e["type"] == "TaskScheduled"]
    done = sum(1 for e in events if e["type"] == "TaskSubmitted")
    return [json.loads(e["taskScheduledEventDetails"]["parameters"]) for e in scheduled[:done]]


def _wait(predicate: Any, timeout: float = 30.0, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("nothing happened")


def hop_once(sfn: Any, dynamodb: Any, machine: str, table: str) -> float:
    order_id = f"medida-{uuid.uuid4().hex[:10]}"
    dynamodb.put_item(
        TableName=table,
        Item={
            "tenant_id": {"S": TENANT},
            "order_id": {"S": order_id},
            "estado_pedido": {"S": "PAGADO"},
            "history": {"L": []},
        },
    )
    arn = sfn.start_execution(
        stateMachineArn=machine,
        name=order_id,
        input=json.dumps(
            {
                "tenant_id": TENANT,
                "order_id": order_id,
                "location_id": "larco",
                "dispatch": "pickup",
                "sla": {"cocina": 900, "empaquetamiento": 300, "delivery": 2700},
            }
        ),
    )["executionArn"]
    first = _wait(lambda: _submitted(_history(sfn, arn)))
    token = first[0]["MessageBody"]["task_token"]
    sfn.send_task_success(taskToken=token, output="{}")
    started = time.perf_counter()
    _wait(lambda: len(_submitted(_history(sfn, arn))) >= 2)
    elapsed = time.perf_counter() - started
    sfn.stop_execution(executionArn=arn, error="Measured", cause="measurement run")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-synth", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    cloud = LocalCloud(port=free_port(), synth=not args.no_synth, quiet_functions=True)
    cloud.start()
    startup = time.perf_counter() - started
    try:
        sfn = boto3.client("stepfunctions")
        machine = next(
            m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("pedido")
        )
        hops = [hop_once(sfn, boto3.client("dynamodb"), machine, cloud.table("pedidos")) for _ in range(args.runs)]
    finally:
        cloud.stop()
    result = {
        "startup_seconds": round(startup, 2),
        "synthesized": not args.no_synth,
        "runs": args.runs,
        "send_task_success_to_next_queue_ms": {
            "median": round(statistics.median(hops) * 1000, 1),
            "p90": round(sorted(hops)[int(0.9 * (len(hops) - 1))] * 1000, 1),
            "min": round(min(hops) * 1000, 1),
            "max": round(max(hops) * 1000, 1),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
