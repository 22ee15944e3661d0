"""Synthesize a stage with N generated tenants (its tenants file) and print what CloudFormation's limits care about.

    python -m scripts.synth_scale 2 1000 10000        (make scale)

For each N: a tenants file of N tenants (one location each; N=2 adds none: app.py's two), ``python app.py`` in a
fresh process (what ``cdk synth`` runs), its wall and CPU time (the process and its jsii Node child), the resources,
parameters and outputs of each stack, and the largest template's size. Exits 1 if a stack passes a limit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# CloudFormation's quotas (per stack): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
LIMITS = {"resources": 500, "template_bytes": 1_000_000, "parameters": 200, "outputs": 200, "mappings": 200}
APP_TENANTS = 2  # app.py's own Tenant(...) instances


def tenant_entries(count: int) -> list[dict[str, Any]]:
    """``count`` tenants for a tenants file (README: "The tenants file")."""
    return [
        {
            "tenant_id": f"tienda-{n:05d}",
            "name": f"Tienda {n}",
            "admin_email": f"admin@tienda-{n:05d}.pe",
            "tier": ("basico", "estandar", "cadena")[n % 3],
            "locations": [
                {
                    "location_id": "centro",
                    "name": f"Tienda {n} Centro",
                    "address": f"Av. Principal {n}",
                    "district": "Lima",
                    "lat": -12.05,
                    "lng": -77.04,
                    "phone": "+51 1 0000000",
                }
            ],
        }
        for n in range(count)
    ]


def synthesize(tenants: int, workdir: Path, stage: str = "dev") -> dict[str, Any]:
    """Synthesize the stage with ``tenants`` tenants in all; its times and each template's numbers."""
    extra = max(0, tenants - APP_TENANTS)
    tenants_file = workdir / f"tenants-{tenants}.json"
    tenants_file.write_text(json.dumps({"tenants": tenant_entries(extra)}))
    outdir = workdir / f"cdk.out-{tenants}"
    context = {"stage": stage, "tenants_file": str(tenants_file)}
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context),
           "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}  # fmt: skip
    env.setdefault("CDK_DEFAULT_REGION", "us-east-1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"synth of {tenants} tenants failed")
    stacks = {}
    for template in sorted(outdir.glob("*.template.json")):
        body = json.loads(template.read_text())
        stacks[template.name.removesuffix(".template.json")] = {
            "resources": len(body.get("Resources", {})),
            "parameters": len(body.get("Parameters", {})),
            "outputs": len(body.get("Outputs", {})),
            "mappings": len(body.get("Mappings", {})),
            "template_bytes": template.stat().st_size,
        }
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"tenants": tenants, "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "stacks": stacks}


def over_limits(report: dict[str, Any]) -> list[str]:
    return [
        f"{report['tenants']} tenants: {name} has {numbers[key]} {key} (limit {limit})"
        for name, numbers in report["stacks"].items()
        for key, limit in LIMITS.items()
        if numbers[key] > limit
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[2, 1000, 10000])
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="synth-scale-") as folder:
        for count in args.counts:
            report = synthesize(count, Path(folder), args.stage)
            stacks = report["stacks"]
            largest = max(stacks.items(), key=lambda item: item[1]["template_bytes"])
            print(
                f"{count:>6} tenants: synth {report['wall_seconds']:.1f} s wall, {report['cpu_seconds']:.1f} s CPU; "
                f"largest template {largest[0]} {largest[1]['template_bytes'] / 1000:.0f} kB"
            )
            print("        resources: " + ", ".join(f"{n} {s['resources']}" for n, s in stacks.items()))
            problems += over_limits(report)
    for problem in problems:
        print("OVER LIMIT:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
