"""Cold-import time of every Lambda handler next to ``import boto3``, measured in the same run.

``python -m scripts.measure_imports [--repeat 7]``

Each figure is the median over ``--repeat`` fresh interpreters (``-X importtime`` is not
used: it adds its own overhead); what is timed is the import of the handler module, as
Lambda's init phase does it, with ``services/`` as the task root.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "services"
_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def handler_modules() -> list[str]:
    return sorted(
        f"{path.parent.name}.{path.stem}"
        for path in SERVICES.glob("*/*.py")
        if path.stem in {"handler", "worker", "consumer", "notifier", "starter"} and path.parent.name != "core"
    )


def import_seconds(module: str, repeat: int) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": str(SERVICES),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    samples = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(module=module)],
            cwd=SERVICES,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    results = {"boto3": import_seconds("boto3", args.repeat)}
    for module in handler_modules():
        results[module] = import_seconds(module, args.repeat)
    width = max(len(m) for m in results)
    print(f"{'module':{width}}  median import (ms, {args.repeat} fresh interpreters)")
    for module, seconds in results.items():
        print(f"{module:{width}}  {seconds * 1000:8.1f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "imports.json").write_text(json.dumps({k: round(v * 1000, 1) for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
