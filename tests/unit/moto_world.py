"""A moto world made once for a module's tests, each test starting from the state it was saved in.

Creating a world's tables, bus and queues costs a few hundred milliseconds of moto calls (and boto3 clients): more
than most unit tests themselves. A module-scoped fixture makes the world once inside one ``mock_aws`` and saves
it; the test's own fixture calls ``restore()`` first, which puts back in place, in moto's in-process backends, what
a test could have changed:

- every DynamoDB table's items as saved (moto keeps a table's items in ``Table.items``, which its own
  ``RestoreTableFromBackup`` deep-copies the same way); tables created since are dropped;
- every SQS queue's messages as saved (what ``PurgeQueue`` clears: the messages and the in-flight ones); queues
  created since are dropped;
- every other service's state is reset (as a new ``mock_aws`` would), except the services named as kept, whose
  resources (an event bus and its rules, a bucket) the world made and the tests only read or add to.

This reaches into moto's internals (a test helper only: real AWS has nothing like it); the module's tests see the
same world a new ``mock_aws`` per test gave them.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict
from moto.dynamodb.models import dynamodb_backends
from moto.sqs.models import sqs_backends

ALWAYS_KEPT = frozenset({"dynamodb", "sqs"})  # restored item by item and message by message instead


class SavedWorld:
    def __init__(self, region: str, kept: Iterable[str] = ()) -> None:
        self.region = region
        self.kept = ALWAYS_KEPT | set(kept)
        self._items: dict[str, Any] = {}
        self._messages: dict[str, Any] = {}

    def save(self) -> None:
        tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region].tables
        self._items = {name: copy.deepcopy(table.items) for name, table in tables.items()}
        queues = sqs_backends[DEFAULT_ACCOUNT_ID][self.region].queues
        self._messages = {name: copy.deepcopy(queue._messages) for name, queue in queues.items()}

    def restore(self) -> None:
        tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region].tables
        for name in list(tables):
            if name in self._items:
                tables[name].items = copy.deepcopy(self._items[name])
            else:
                del tables[name]
        queues = sqs_backends[DEFAULT_ACCOUNT_ID][self.region].queues
        for name in list(queues):
            if name in self._messages:
                queues[name]._messages = copy.deepcopy(self._messages[name])
                queues[name]._pending_messages = set()
            else:
                del queues[name]
        for service in list(BackendDict._instances):
            if service.service_name not in self.kept:
                for account in service.values():
                    account.reset()
                service.clear()


@contextmanager
def kept_world(region: str, kept: Iterable[str] = ()) -> Iterator[SavedWorld]:
    """``with kept_world(REGION) as world:`` build the world, ``world.save()``, then yield it to the tests."""
    with pytest.MonkeyPatch.context() as env:
        # A local cloud started in the same process points boto3 at its moto server: not these tests.
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            env.delenv(key, raising=False)
        env.setitem(os.environ, "AWS_DEFAULT_REGION", region)
        with mock_aws():
            yield SavedWorld(region, kept)
