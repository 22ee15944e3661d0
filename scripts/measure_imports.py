"""Cold-import time of every Lambda handler next to ``import boto3``, measured in the same run.

``python -m scripts.measure_imports [--repeat 7] [--cpu] [--no-bytecode] [--check [RATIO]]``

Each figure is the median over ``--repeat`` fresh interpreters (``-X importtime`` is not
used: it adds its own overhead); what is timed is the import of the handler module, as
Lambda's init phase does it, with ``services/`` as the task root. The runs are interleaved (one
round imports boto3 and every handler once, then the next round), so a busy spell of the machine
falls on boto3 and the handlers alike and the ratios stay comparable. ``--check`` exits 1 when a
handler's median is above ``RATIO`` (1.5 by default) times boto3's. ``--cpu`` times the CPU the
interpreter spends importing (``time.process_time``) instead of the wall clock: on a machine that
other work keeps busy, the figure that waiting for a core does not inflate.

Bytecode: the interpreters read and write a private cache (``PYTHONPYCACHEPREFIX``), warmed by one
untimed import of each module first, so every figure is the import's own work whatever the caller's
``PYTHONDONTWRITEBYTECODE`` and ``__pycache__`` folders say (with the variable set and no cache, the
services' modules were compiled from source on every run while boto3's came from the venv's ``.pyc``).
``--no-bytecode`` keeps the cache empty instead: every module, boto3's too, compiled from source on
every import, which is what a cold start on Lambda does while neither the code asset nor the
dependencies layer ships ``.pyc`` files (both are read-only there, so nothing is cached either).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "services"
BASELINE = "boto3"
_PROBE = "import time; t = time.{clock}(); import {module}; print(time.{clock}() - t)"
_ENTRY_POINT = re.compile(r"^def lambda_handler\(", re.MULTILINE)


def handler_modules() -> list[str]:
    """Every module that defines a ``lambda_handler`` (what a function's ``handler`` setting names)."""
    return sorted(
        f"{path.parent.name}.{path.stem}"
        for path in SERVICES.glob("*/*.py")
        if path.parent.name != "core" and _ENTRY_POINT.search(path.read_text(encoding="utf-8"))
    )


def import_seconds(module: str, clock: str, env: dict[str, str]) -> float:
    """The time one fresh interpreter takes to import ``module`` (``clock``: a ``time`` function's name)."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module, clock=clock)],
        cwd=SERVICES,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure(modules: list[str], repeat: int, clock: str = "perf_counter", *, bytecode: bool = True) -> dict[str, float]:
    """The median import time of each of ``modules``, over ``repeat`` interleaved rounds, with every module's
    bytecode cached (``bytecode``) or none."""
    with tempfile.TemporaryDirectory(prefix="measure-imports-pyc-") as cache:
        env = {
            **os.environ,
            "PYTHONPATH": str(SERVICES),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONPYCACHEPREFIX": cache,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if bytecode:
            warm = {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}
            for module in modules:
                import_seconds(module, clock, warm)
        samples: dict[str, list[float]] = {module: [] for module in modules}
        for _ in range(repeat):
            for module in modules:
                samples[module].append(import_seconds(module, clock, env))
    return {module: statistics.median(times) for module, times in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cpu", action="store_true", help="CPU time (process_time) instead of the wall clock")
    parser.add_argument("--no-bytecode", action="store_true", help="compile every module from source (Lambda today)")
    parser.add_argument(
        "--check", type=float, nargs="?", const=1.5, default=None, metavar="RATIO", help="exit 1 above RATIO x boto3"
    )
    args = parser.parse_args()
    clock = "process_time" if args.cpu else "perf_counter"
    results = measure([BASELINE, *handler_modules()], args.repeat, clock, bytecode=not args.no_bytecode)
    baseline = results[BASELINE]
    width = max(len(m) for m in results)
    kind = ("CPU" if args.cpu else "wall") + (", no bytecode" if args.no_bytecode else "")
    print(f"{'module':{width}}  median import ({kind} ms, {args.repeat} fresh interpreters)  x boto3")
    for module, seconds in results.items():
        print(f"{module:{width}}  {seconds * 1000:8.1f}  {seconds / baseline:5.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "imports.json").write_text(json.dumps({k: round(v * 1000, 1) for k, v in results.items()}, indent=2))
    if args.check is not None:
        over = [m for m, seconds in results.items() if seconds > args.check * baseline]
        if over:
            print(f"above {args.check}x boto3: {', '.join(over)}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
