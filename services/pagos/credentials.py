"""A tenant's Mercado Pago credentials, read from its secret (``{access_token, public_key, webhook_secret}``).

Kept apart from the gateway so a function that only needs the public key (the storefront
profile) does not load the ``mercadopago`` SDK. One ``GetSecretValue`` per secret per
``CACHE_SECONDS`` per warm container; ``forget`` drops a secret Mercado Pago refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.errors import DependencyFailed

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Credentials:
    access_token: str
    public_key: str
    webhook_secret: str


class CredentialStore:
    """Tenant secret name -> ``Credentials``, one ``GetSecretValue`` per secret per ``CACHE_SECONDS``."""

    def __init__(self, client: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._cache: dict[str, tuple[float, Credentials]] = {}

    def get(self, secret_name: str) -> Credentials:
        cached = self._cache.get(secret_name)
        if cached and self._clock() - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            raw = self._client.get_secret_value(SecretId=secret_name)["SecretString"]
            values = json.loads(raw)
            credentials = Credentials(
                access_token=values["access_token"],
                public_key=values.get("public_key", ""),
                webhook_secret=values["webhook_secret"],
            )
        except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as exc:
            raise DependencyFailed("The payment account of this store is not configured") from exc
        self._cache[secret_name] = (self._clock(), credentials)
        return credentials

    def forget(self, secret_name: str) -> None:
        self._cache.pop(secret_name, None)
