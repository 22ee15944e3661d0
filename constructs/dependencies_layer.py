"""The Lambda layer with the services' third-party packages, built without Docker.

pip downloads the Lambda platform's wheels (manylinux2014_aarch64, CPython 3.12)
into ``python/``. The result is cached under ``.cache/layer/<hash of the
requirements>`` so a synth only runs pip when ``services/requirements.txt``
changes; the asset hash is the same hash, so an unchanged layer is never
re-uploaded.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "services" / "requirements.txt"
CACHE = ROOT / ".cache" / "layer"
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.12"


def requirements_hash() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(f"{PLATFORM}/{PYTHON_VERSION}".encode())
    return digest.hexdigest()


def build_layer_folder() -> Path:
    """pip-install the requirements for the Lambda platform once; return the cached folder."""
    target = CACHE / requirements_hash()
    if (target / "python").is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two synths at once (pytest workers): one builds, the other waits
        if not (target / "python").is_dir():
            _pip_install_into(target)
    return target


def _pip_install_into(target: Path) -> None:
    staging = target.with_suffix(".partial")
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--platform", PLATFORM, "--implementation", "cp", "--python-version", PYTHON_VERSION,
        "--only-binary=:all:", "--target", str(staging / "python"), "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603 - fixed argv, no shell, no user input
    for cache_dir in (staging / "python").rglob("__pycache__"):
        shutil.rmtree(cache_dir, ignore_errors=True)
    staging.rename(target)


@jsii.implements(cdk.ILocalBundling)
class _PipLocalBundling:
    """Local bundling: copies the cached pip target into the asset's output folder."""

    def try_bundle(self, output_dir: str, *args: Any, **options: Any) -> bool:
        shutil.copytree(build_layer_folder(), output_dir, dirs_exist_ok=True)
        return True


class DependenciesLayer(Construct):
    """One layer shared by every function of the stage."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        code = lambda_.Code.from_asset(
            str(REQUIREMENTS.parent),
            asset_hash_type=cdk.AssetHashType.CUSTOM,
            asset_hash=requirements_hash(),
            bundling=cdk.BundlingOptions(
                image=lambda_.Runtime.PYTHON_3_12.bundling_image,
                local=_PipLocalBundling(),
            ),
        )
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=code,
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="Third-party packages of the platform's services (services/requirements.txt)",
        )
