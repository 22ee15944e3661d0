"""Measure the customer app's first load: bytes over the wire and time until the menu is on screen.

``python -m scripts.measure_web [--runs 7] [--url http://127.0.0.1:8000]``

Each run opens a fresh Chromium context (empty cache, the chosen location already remembered, as on a
customer's second visit) at phone size, loads ``/clientes/<tenant>/`` and waits for the first menu
card. It reports, from the responses Chromium received, the compressed bytes of the app's code and
styles (HTML, JS, CSS: the 150 KB budget), of the API's JSON, and of the menu images (excluded from the
budget), and the median time from navigation start to the first menu card (``performance.now()``).
Without ``--url`` it starts a local cloud of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
from collections.abc import Iterator
from typing import Any

from localcloud.cloud import LocalCloud, free_port

TENANT = "bembos-miraflores"
LOCATION = "larco"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def kind_of(url: str, content_type: str) -> str:
    if "image/" in content_type:
        return "images"
    if "json" in content_type:
        return "api"
    if "/mercadopago/" in url:
        return "other"
    return "code"


def one_load(browser: Any, base: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="es-PE")
    context.add_init_script(f"localStorage.setItem('bembos.customer.{TENANT}.location', JSON.stringify('{LOCATION}'))")
    page = context.new_page()
    responses: list[Any] = []
    page.on("requestfinished", lambda request: responses.append(request))  # noqa: PLW0108 - Playwright tags handlers
    page.goto(f"{base}/clientes/{TENANT}/")
    page.locator(".menu-item").first.wait_for(timeout=30_000)
    visible_ms = float(page.evaluate("() => performance.now()"))
    page.wait_for_load_state("networkidle")
    totals: dict[str, int] = {"code": 0, "api": 0, "images": 0, "other": 0}
    for request in responses:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        kind = kind_of(request.url, response.headers.get("content-type", ""))
        totals[kind] += int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
    context.close()
    return {"menu_visible_ms": visible_ms, "bytes": totals, "requests": len(responses)}


@contextlib.contextmanager
def platform(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    cloud = LocalCloud(port=free_port(), quiet_functions=True)
    cloud.start()
    try:
        yield cloud.urls.base
    finally:
        cloud.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--url", help="a running local cloud (default: start one)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with platform(args.url) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        one_load(browser, base)  # warm the functions (a cold Lambda start is not the app's first load)
        runs = [one_load(browser, base) for _ in range(args.runs)]
        browser.close()
    times = [r["menu_visible_ms"] for r in runs]
    report = {
        "runs": args.runs,
        "menu_visible_ms": {
            "median": round(statistics.median(times)),
            "min": round(min(times)),
            "max": round(max(times)),
        },
        "bytes_compressed": runs[-1]["bytes"],
        "requests": runs[-1]["requests"],
        "budget_code_bytes": 150 * 1024,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
