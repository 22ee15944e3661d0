"""The web apps' builds: what FrontendStack deploys and the local cloud serves."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from core.contracts import WEB_APP_PATHS

DIST = Path(__file__).resolve().parents[2] / "frontends" / "dist"
BUDGET_BYTES = 150 * 1024  # code and styles of a first load, compressed


def built(app: str) -> Path:
    folder = DIST / app / WEB_APP_PATHS[app]
    if not (folder / "index.html").is_file():
        pytest.fail(f"{folder} is not built: run `make web`")
    return folder


@pytest.mark.parametrize("app", sorted(WEB_APP_PATHS))
def test_code_and_styles_of_a_first_load_fit_the_budget_compressed(app: str) -> None:
    folder = built(app)
    files = [folder / "index.html", *folder.glob("assets/*.js"), *folder.glob("assets/*.css")]
    compressed = sum(len(gzip.compress(path.read_bytes(), compresslevel=6)) for path in files)
    assert compressed <= BUDGET_BYTES, f"{app}: {compressed} bytes compressed"


@pytest.mark.parametrize("app", sorted(WEB_APP_PATHS))
def test_the_build_loads_nothing_from_another_origin(app: str) -> None:
    """No CDN: every script, style and font comes from the app's own origin (Mercado Pago's SDK is config)."""
    folder = built(app)
    for path in [folder / "index.html", *folder.glob("assets/*")]:
        text = path.read_text(errors="ignore")
        for marker in ('src="http', "src='http", 'href="http', "@import url(http", "url(https://", "url(http://"):
            assert marker not in text, f"{path.name} loads {marker}..."
