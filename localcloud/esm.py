"""SQS event source mappings: poll the queues and call the functions in batches, like Lambda.

Poller threads long-poll each enabled mapping's queue (``wait_seconds``, 1 s by default, so
``stop()`` is prompt): several for a standard queue (``STANDARD_QUEUE_POLLERS``) and one for a FIFO queue.
Each gathers a batch of up to ``batch_size`` messages (waiting up to
``max_batching_window_seconds`` for a fuller batch when it is set), builds the SQS event
Lambda sends, invokes the function and deletes what succeeded:

- success: the whole batch; with ``report_batch_item_failures`` everything except the
  ``batchItemFailures[].itemIdentifier`` of the response (a malformed response, or an
  identifier that is not in the batch, fails the whole batch, as Lambda does);
- function error or timeout: nothing.

Messages that are not deleted become visible again after the queue's visibility timeout,
and moto moves a message to the queue's dead-letter queue on the ReceiveMessage that
finds it already received ``maxReceiveCount`` times (as SQS does), so redrive needs no
code here.

FIFO queues: a mapping's batches are processed one at a time and SQS (moto too) hands out
no message of a group that still has messages in flight, so two batches of one group are
never in flight together. After a failure, the later messages of the same group in the
batch are treated as failed as well (kept in the queue), so the group's order holds. Those
later messages are made visible again at once (the group stays locked by its first failed
message, which waits for the visibility timeout): moto would otherwise redeliver them
ahead of the first one.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self

import boto3

from localcloud.lambda_runtime import DEFAULT_REGION, InvokeResult
from localcloud.model import EventSourceMapping

_logger = logging.getLogger("localcloud.esm")

_RECEIVE_MAX = 10  # SQS ReceiveMessage limit per call
_SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)
_ERROR_BACKOFF_SECONDS = 1.0
# Lambda reads a standard queue with five batches at once to begin with (and scales up from there, within the
# function's concurrency); here as many as the machine has cores, two to five: on two cores, five pollers for
# each notifier took the CPU from the workflow's own hops. A FIFO queue's batches go one at a time here (see the
# module's docstring).
STANDARD_QUEUE_POLLERS = max(2, min(5, os.cpu_count() or 2))
_ANY_CREDENTIALS = ("testing", "testing")  # (access key id, secret key): moto accepts any


class Invoker(Protocol):
    def invoke(self, function_name: str, event: Any) -> InvokeResult: ...


@dataclass
class MappingStats:
    """Counters of one mapping, for the benchmarks."""

    batches: int = 0
    messages: int = 0
    failures: int = 0  # messages left in the queue after an invocation
    errors: int = 0  # invocations that failed as a whole (error, timeout, malformed response)


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else DEFAULT_REGION


def lambda_message_attributes(
    attributes: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """SQS ``MessageAttributes`` (boto3's shape) in the shape Lambda's SQS event uses."""
    converted: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        item: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            item["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            binary = value["BinaryValue"]
            item["binaryValue"] = base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary
        converted[name] = item
    return converted


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """One ``Records[]`` entry of the SQS event, from a ReceiveMessage message."""
    attributes = {k: str(v) for k, v in message.get("Attributes", {}).items() if k in _SYSTEM_ATTRIBUTES}
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": lambda_message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": _region_of(queue_arn),
    }


def failed_message_ids(records: Sequence[Mapping[str, Any]], result: InvokeResult, report_failures: bool) -> set[str]:
    """The ids of the batch's messages that must stay in the queue after ``result``."""
    all_ids = {str(r["messageId"]) for r in records}
    if result.error is not None:
        return all_ids
    if not report_failures or result.payload is None:
        return set()  # a function that returns nothing succeeded for every message
    return _reported_failures(result.payload, all_ids)


def _reported_failures(payload: Any, all_ids: set[str]) -> set[str]:
    if not isinstance(payload, dict):
        return all_ids  # an invalid response fails the whole batch
    items = payload.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return all_ids  # an invalid response fails the whole batch
    failed: set[str] = set()
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in all_ids:
            return all_ids  # an empty, null or unknown identifier fails the whole batch
        failed.add(identifier)
    return failed


def fifo_failures(records: Sequence[Mapping[str, Any]], failed: set[str]) -> set[str]:
    """Extend ``failed`` so that a group's messages after its first failure are failures too."""
    broken_groups: set[str] = set()
    extended = set(failed)
    for record in records:
        group = record["attributes"].get("MessageGroupId", "")
        if group in broken_groups:
            extended.add(record["messageId"])
        elif record["messageId"] in failed:
            broken_groups.add(group)
    return extended


class _MappingPoller:
    def __init__(self, mapping: EventSourceMapping, owner: EventSourcePoller) -> None:
        self.mapping = mapping
        self.owner = owner
        self.stats = MappingStats()
        self.fifo = mapping.queue_url.endswith(".fifo") or mapping.queue_arn.endswith(".fifo")
        pollers = 1 if self.fifo else owner.standard_pollers
        self.threads = [
            threading.Thread(target=self.run, name=f"esm-{mapping.queue_arn.rsplit(':', 1)[-1]}-{n}", daemon=True)
            for n in range(pollers)
        ]

    def run(self) -> None:
        sqs = self.owner.sqs_client()
        while not self.owner.stopping.is_set():
            try:
                messages = self._gather(sqs)
                if messages:
                    self._process(sqs, messages)
            except Exception:  # a poller keeps polling, like Lambda's
                _logger.exception("poller of %s failed; retrying", self.mapping.queue_arn)
                self.owner.stopping.wait(_ERROR_BACKOFF_SECONDS)

    def _receive(self, sqs: Any, count: int, wait: int) -> list[dict[str, Any]]:
        response = sqs.receive_message(
            QueueUrl=self.mapping.queue_url,
            MaxNumberOfMessages=max(1, min(_RECEIVE_MAX, count)),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _gather(self, sqs: Any) -> list[dict[str, Any]]:
        size = max(1, self.mapping.batch_size)
        batch = self._receive(sqs, size, self.owner.wait_seconds)
        if not batch:
            return batch
        window = self.mapping.max_batching_window_seconds
        deadline = time.monotonic() + window
        while len(batch) < size and not self.owner.stopping.is_set():
            remaining = deadline - time.monotonic()
            if window > 0 and remaining <= 0:
                break
            wait = int(min(self.owner.wait_seconds, remaining)) if window > 0 else 0
            more = self._receive(sqs, size - len(batch), wait)
            batch.extend(more)
            if not more:
                if window <= 0:
                    break
                if wait == 0:
                    self.owner.stopping.wait(min(0.05, remaining))
        return batch

    def _process(self, sqs: Any, messages: list[dict[str, Any]]) -> None:
        records = [sqs_record(m, self.mapping.queue_arn) for m in messages]
        result = self.owner.runtime.invoke(self.mapping.function_name, {"Records": records})
        failed = failed_message_ids(records, result, self.mapping.report_batch_item_failures)
        if self.fifo and failed:
            failed = fifo_failures(records, failed)
        if self.fifo and failed:
            self._release_followers(sqs, records, failed)
        done = [r for r in records if r["messageId"] not in failed]
        for start in range(0, len(done), _RECEIVE_MAX):
            chunk = done[start : start + _RECEIVE_MAX]
            response = sqs.delete_message_batch(
                QueueUrl=self.mapping.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )
            for failure in response.get("Failed", []):
                _logger.warning(
                    "could not delete a message from %s: %s",
                    self.mapping.queue_arn,
                    failure,
                )
        with self.owner.lock:
            self.stats.batches += 1
            self.stats.messages += len(records)
            self.stats.failures += len(failed)
            self.stats.errors += result.error is not None
        if failed:
            _logger.info(
                "%s: %d of %d messages failed (%s)",
                self.mapping.function_name,
                len(failed),
                len(records),
                (result.error or {}).get("errorType", "batchItemFailures"),
            )

    def _release_followers(self, sqs: Any, records: list[dict[str, Any]], failed: set[str]) -> None:
        """Make a failed group's later messages visible now; the group's first failure stays in flight.

        SQS keeps the group locked while that first message is in flight, so the order holds.
        Needed for moto: when several messages of one group become visible together, moto
        hands out the later one first (it unlocks the group one message at a time).
        """
        seen_groups: set[str] = set()
        followers: list[dict[str, Any]] = []
        for record in records:
            if record["messageId"] not in failed:
                continue
            group = record["attributes"].get("MessageGroupId", "")
            if group in seen_groups:
                followers.append(record)
            seen_groups.add(group)
        for start in range(0, len(followers), _RECEIVE_MAX):
            chunk = followers[start : start + _RECEIVE_MAX]
            sqs.change_message_visibility_batch(
                QueueUrl=self.mapping.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": 0}
                    for i, r in enumerate(chunk)
                ],
            )


class EventSourcePoller:
    """Runs every enabled SQS event source mapping; ``start()`` once, ``stop()`` at the end."""

    def __init__(
        self,
        mappings: Sequence[EventSourceMapping],
        runtime: Invoker,
        sqs_endpoint_url: str,
        *,
        region: str = DEFAULT_REGION,
        credentials: tuple[str, str] = _ANY_CREDENTIALS,
        wait_seconds: int = 1,
        standard_pollers: int = STANDARD_QUEUE_POLLERS,
    ) -> None:
        self.runtime = runtime
        self.standard_pollers = standard_pollers
        self.sqs_endpoint_url = sqs_endpoint_url
        self.region = region
        self.wait_seconds = wait_seconds
        self._credentials = credentials
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self._pollers = [_MappingPoller(m, self) for m in mappings if m.enabled]
        self._started = False

    def sqs_client(self) -> Any:
        return boto3.session.Session().client(
            "sqs",
            endpoint_url=self.sqs_endpoint_url,
            region_name=self.region,
            aws_access_key_id=self._credentials[0],
            aws_secret_access_key=self._credentials[1],
        )

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.stopping.clear()
        for poller in self._pollers:
            for thread in poller.threads:
                thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling; waits for batches in flight to finish (up to ``timeout`` each)."""
        self.stopping.set()
        for thread in (t for poller in self._pollers for t in poller.threads):
            if thread.is_alive():
                with contextlib.suppress(RuntimeError):
                    thread.join(timeout)

    def stats(self) -> dict[str, MappingStats]:
        """Counters per mapping, keyed by queue ARN."""
        with self.lock:
            return {
                p.mapping.queue_arn: MappingStats(p.stats.batches, p.stats.messages, p.stats.failures, p.stats.errors)
                for p in self._pollers
            }

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
