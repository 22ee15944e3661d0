"""Shared fixtures: the CDK app is synthesized once per test session (``import aws_cdk`` alone takes seconds)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


@dataclass
class Synthesized:
    platform: Any  # stacks.platform.Platform
    outdir: Path

    def template(self, stack: str) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_stack(getattr(self.platform, stack))

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))


def synthesize(stage: str, outdir: Path, **context: Any) -> Synthesized:
    import aws_cdk as cdk

    import app as cdk_entry

    cdk_app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": stage, **context}, outdir=str(outdir))
    platform = cdk_entry.build(cdk_app)
    cdk_app.synth()
    return Synthesized(platform=platform, outdir=outdir)


CLOUD_TESTS = ("e2e", "browser")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), every test of the local cloud runs in one worker: one cloud."""
    for item in items:
        if item.path.parent.name in CLOUD_TESTS:
            item.add_marker(pytest.mark.xdist_group("cloud"))


@pytest.fixture(scope="session")
def dev_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev stage (the assembly ``make dev`` runs), synthesized once per test process into its own folder."""
    return synthesize("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("prod", tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="session")
def cloud(dev_app) -> Iterator[Any]:  # dev_app: the synthesized cdk.out
    """The local cloud, started once per test session from the session's synthesized dev stage (e2e, browser)."""
    from localcloud.cloud import LocalCloud, free_port

    local = LocalCloud(port=free_port(), synth=False, quiet_functions=True, assembly_dir=dev_app.outdir)
    local.start()
    try:
        yield local
    finally:
        local.stop()
