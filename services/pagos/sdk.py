"""Build the Mercado Pago SDK pointed at a given API base URL.

The SDK (3.6.0) hard-codes ``https://api.mercadopago.com`` in its ``Config``
and offers no setting to change it, but it accepts an injected ``HttpClient``
and hands it the full URL of every call. Locally the services talk to the
fake Mercado Pago API of the local cloud, so ``sdk_for`` injects a client that
swaps the SDK's base URL for the configured one (``MERCADOPAGO_API_URL``);
nothing is patched globally.
"""

from __future__ import annotations

from typing import Any

import mercadopago
from mercadopago.config import Config
from mercadopago.http import HttpClient

from core.contracts import MERCADOPAGO_API_URL


class BaseUrlHttpClient(HttpClient):
    """The SDK's own ``requests`` client, sending every call to another base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._sdk_base_url = Config().api_base_url

    def request(
        self,
        method: str,
        url: str,
        maxretries: int | None = None,
        retry_on: list[int] | None = None,
        backoff_factor: float | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Rewrite the SDK's URL onto ``base_url`` and perform the call as the SDK would."""
        if url.startswith(self._sdk_base_url):
            url = self.base_url + url[len(self._sdk_base_url) :]
        result: dict[str, Any] = super().request(
            method, url, maxretries=maxretries, retry_on=retry_on, backoff_factor=backoff_factor, **kwargs
        )
        return result


def sdk_for(access_token: str, base_url: str = MERCADOPAGO_API_URL) -> mercadopago.SDK:
    """Return an SDK for ``access_token`` whose calls go to ``base_url``.

    With the real API URL this is exactly ``mercadopago.SDK(access_token)``.
    """
    if base_url.rstrip("/") == MERCADOPAGO_API_URL:
        return mercadopago.SDK(access_token)
    return mercadopago.SDK(access_token, http_client=BaseUrlHttpClient(base_url))
