"""What a function loads at cold start: never the libraries only some calls need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[3] / "services"
ENTRY_POINTS = sorted(
    f"{path.parent.name}.{path.stem}"
    for path in SERVICES.glob("*/*.py")
    if path.stem in {"handler", "worker", "consumer", "notifier", "starter"}
)
# The Mercado Pago SDK (loaded by the first payment call), the X-Ray SDK and pydantic-settings
# (not used: Lambda's own tracing, core.settings) would each add tens of milliseconds to every cold start.
NOT_AT_COLD_START = ("mercadopago", "aws_xray_sdk", "pydantic_settings", "requests")

_PROBE = """
import importlib, json, sys
loaded = {}
for module in sys.argv[1:]:
    importlib.import_module(module)
    loaded[module] = sorted(m for m in sys.modules if m.split(".")[0] in %r)
print(json.dumps(loaded))
"""


def test_the_entry_points_are_found() -> None:
    assert {"pedidos.handler", "pagos.handler", "etapas.consumer", "authorizer.handler"} <= set(ENTRY_POINTS)


def test_no_entry_point_loads_what_only_some_calls_need() -> None:
    env = {**os.environ, "PYTHONPATH": str(SERVICES), "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE % (NOT_AT_COLD_START,), *ENTRY_POINTS],
        cwd=SERVICES,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert {module: heavy for module, heavy in loaded.items() if heavy} == {}
