"""What an SQS event source mapping hands a queue consumer: a batch of records, an EventBridge event in each body
(as a rule's SQS target delivers it), and the Lambda context the handlers' Powertools decorators read."""

from __future__ import annotations

import json
import uuid
from typing import Any


class Context:
    function_name = "bembos-test-consumer"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bembos-test-consumer"
    aws_request_id = "req-1"


def eventbridge(
    detail_type: str, detail: dict[str, Any], event_id: str | None = None, *, source: str = "bembos.orders"
) -> dict[str, Any]:
    """An EventBridge event as its SQS target delivers it (a replay has a new id)."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": detail.get("at", "2026-11-28T15:00:00Z"),
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def sqs_batch(*bodies: dict[str, Any] | str, queue: str = "bembos-test-queue") -> dict[str, Any]:
    """One record per body (a dict is sent as its JSON, a string as it is), received once."""
    return {
        "Records": [
            {
                "messageId": f"msg-{i}",
                "receiptHandle": f"rh-{i}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }
