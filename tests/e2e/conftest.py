"""The local cloud, started once per test session from the session's synthesized dev stage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud.cloud import LocalCloud, free_port


@pytest.fixture(scope="session")
def cloud(dev_app) -> Iterator[LocalCloud]:  # dev_app: the synthesized cdk.out
    local = LocalCloud(port=free_port(), synth=False, quiet_functions=True)
    local.start()
    try:
        yield local
    finally:
        local.stop()
