"""What a function loads at cold start: never the libraries only some calls need."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[3] / "services"
ENTRY_POINTS = sorted(
    f"{path.parent.name}.{path.stem}"
    for path in SERVICES.glob("*/*.py")
    if re.search(r"^def lambda_handler\(", path.read_text(encoding="utf-8"), re.MULTILINE)
)
# The Mercado Pago SDK (loaded by the first payment call), the X-Ray SDK and pydantic-settings
# (not used: Lambda's own tracing, core.settings) would each add tens of milliseconds to every cold start;
# boto3 (~200 ms: loaded with a function's first client) and argon2 (with the first password) as much again.
NOT_AT_COLD_START = ("mercadopago", "aws_xray_sdk", "pydantic_settings", "requests", "boto3", "argon2")

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
    assert {"etapas.checker", "notificaciones.scheduler", "pagos.reviewer", "realtime.api"} <= set(ENTRY_POINTS)


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


_MODELS_PROBE = """
import importlib, json, sys
import pydantic
from core.models import BaseModel
for module in sys.argv[2:]:
    importlib.import_module(module)
first_party = set(sys.argv[1].split(","))

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = {
    f"{model.__module__}.{model.__qualname__}"
    for model in subclasses(pydantic.BaseModel)
    if model.__module__.split(".")[0] in first_party
    and model is not BaseModel
    and (not issubclass(model, BaseModel) or model.__pydantic_complete__)
}
print(json.dumps(sorted(built)))
"""


def test_no_entry_point_builds_a_model_validator_at_cold_start() -> None:
    """Every model of the services derives from ``core.models.BaseModel`` (validators built on first use), and
    importing the entry points builds none of them."""
    first_party = ",".join(path.name for path in SERVICES.iterdir() if path.is_dir())
    env = {**os.environ, "PYTHONPATH": str(SERVICES), "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, "-c", _MODELS_PROBE, first_party, *ENTRY_POINTS],
        cwd=SERVICES,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
