"""TenantDirectory: a fresh read bypasses the minute's cache and refreshes it."""

from __future__ import annotations

from typing import Any

import pytest

from core.tenants import TenantDirectory, UnknownTenant


class _Table:
    def __init__(self) -> None:
        self.status = "active"
        self.reads: list[dict[str, Any]] = []

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.reads.append(request)
        return {"Item": {"tenant_id": {"S": "bembos-larco"}, "name": {"S": "Larco"}, "status": {"S": self.status}}}


def test_a_fresh_read_sees_a_suspension_the_cache_does_not_and_reads_strongly_consistent() -> None:
    table = _Table()
    directory = TenantDirectory(table, "tenants", clock=lambda: 0.0)
    directory.get("bembos-larco")
    table.status = "suspended"

    assert directory.get("bembos-larco").tenant_id == "bembos-larco"  # cached for the minute
    with pytest.raises(UnknownTenant):
        directory.get("bembos-larco", fresh=True)
    assert table.reads[-1]["ConsistentRead"] is True
    with pytest.raises(UnknownTenant):
        directory.get("bembos-larco")  # the suspension is not forgotten by the next cached read
