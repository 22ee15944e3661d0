"""Shared fixtures: the CDK app is synthesized once per test session (``import aws_cdk`` alone takes seconds)."""

from __future__ import annotations

import json
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


# The tests that run whole in one worker: on that worker's local cloud, or on its one synthesis of the app.
# (group, by path prefix): lane (the worker it belongs to) and its place in that lane.
WORKER_GROUPS = {
    "tests/e2e/test_access_matrix.py": ("api checks", 1, 1),
    # The fuzzer after the end-to-end tests on their cloud (pytest_collection_modifyitems puts it last): the browser
    # lane with the access matrix is the longer one.
    "tests/e2e/test_fuzz.py": ("e2e", 0, 0),
    "tests/e2e/": ("e2e", 0, 0),
    "tests/browser/": ("browser", 1, 0),
    # The tests that synthesize the app (dev_app, prod_app: about 15 s of CPU each per process) in one worker, so
    # each stage is synthesized once per run instead of once in every worker that happens to run one of them.
    "tests/infra/": ("synth", 2, 0),
    "tests/unit/localcloud/test_provision.py": ("synth", 2, 0),
}


def _group(nodeid: str) -> tuple[str, int, int] | None:
    return next((group for prefix, group in WORKER_GROUPS.items() if nodeid.startswith(prefix)), None)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``-n 3 --dist loadgroup``: the end-to-end tests, then the fuzzer (which changes the demo data at random,
    so it goes last), run whole in the first worker; the browser tests, then the access matrix, in the second, each
    on that worker's one local cloud; the third runs the tests that synthesize the app (infra), then
    the unit tests, in the time the first two spend waiting on their clouds (two cores: the cloud workers wait more
    than they compute). Any worker takes unit tests once its own lane is done.

    The grouping is by path here: xdist's ``xdist_group`` mark works by renaming node ids, which pytest 9.2 no
    longer allows.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CloudGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = _group(nodeid)
            return group[0] if group else nodeid

        def _assign_work_unit(self, node: Any) -> None:
            # A worker takes its own lane's groups in order, then any test; the other lane's groups last.
            lanes = {group[0]: group[1:] for group in WORKER_GROUPS.values()}
            lane = self.nodes.index(node)  # the third worker's lane: the synthesizing tests, then the unit tests

            def rank(scope: str) -> tuple[int, int]:
                if scope not in lanes:
                    return (1, 0)
                own, place = lanes[scope]
                return (0, place) if own == lane else (2, place)

            scope = min(self.workqueue, key=rank)
            self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return CloudGroups(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzzer runs last in its worker: it pauses stores, archives dishes and deactivates staff of the demo
    tenant at random, which the end-to-end tests after it would trip on."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/test_fuzz.py"))


@pytest.fixture(scope="session")
def dev_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev stage (the assembly ``make dev`` runs), synthesized once per test process into its own folder."""
    return synthesize("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("prod", tmp_path_factory.mktemp("cdk-prod"))


# What the dev stage's assembly is built from (make synth runs after make web).
ASSEMBLY_SOURCES = ("app.py", "cdk.json", "stacks", "constructs", "workflow", "services", "frontends/dist")


def _make_synth_assembly() -> Path | None:
    """``cdk.out`` as ``make synth`` (the dev stage) left it, if nothing it is built from changed since."""
    manifest = ROOT / "cdk.out" / "manifest.json"
    try:
        artifacts = json.loads(manifest.read_text())["artifacts"].values()
        built = manifest.stat().st_mtime
    except (OSError, ValueError, KeyError):
        return None
    if "bembos-dev-api" not in {a.get("properties", {}).get("stackName") for a in artifacts}:
        return None
    sources = (ROOT / name for name in ASSEMBLY_SOURCES)
    files = (f for src in sources for f in ([src] if src.is_file() else src.rglob("*")) if f.is_file())
    newest = max((f.stat().st_mtime for f in files if "__pycache__" not in f.parts), default=built)
    return manifest.parent if newest < built else None


@pytest.fixture(scope="session")
def dev_assembly(request: pytest.FixtureRequest) -> Path:
    """The dev stage's cloud assembly: make test's own ``cdk synth`` output when it is current (the cloud
    workers then skip a synthesis of their own), else this process's synthesis."""
    return _make_synth_assembly() or request.getfixturevalue("dev_app").outdir


@pytest.fixture(scope="session")
def cloud(dev_assembly: Path) -> Iterator[Any]:
    """The local cloud, started once per test process from its synthesized dev stage (e2e, browser)."""
    from localcloud.cloud import LocalCloud, free_port

    # Its Lambda workers stay warm for the session (a worker shut down between two tests is a cold start to wait
    # for), four per function (a page's parallel requests), and one poller reads each standard queue (two cores,
    # two clouds: the tests need no throughput).
    local = LocalCloud(
        port=free_port(),
        synth=False,
        quiet_functions=True,
        assembly_dir=dev_assembly,
        lambda_idle_seconds=3600,
        lambda_concurrency=4,
        queue_pollers=1,
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()
    # Every end-to-end and browser call went through the IAM-enforcing endpoint: a grant a function
    # misses fails the run here (and is an AccessDenied line in the cloud's log) instead of on AWS.
    if local.aws_proxy.refused:
        pytest.fail(f"calls refused by the functions' own IAM roles: {local.aws_proxy.refused}")
