"""Mercado Pago per tenant: credentials from Secrets Manager, the SDK calls the platform makes.

Each tenant has its own seller account; its secret (``mercadopago_secret_name`` in the tenant's
config) is JSON ``{access_token, public_key, webhook_secret}``. Test or production is only the
token in that secret. Secrets are cached per warm container (``CACHE_SECONDS``) and forgotten
when Mercado Pago refuses the token, so a rotated secret is read again.

Used by the orders service (preferences, card payments, refunds) and the payments webhook
(fetching a payment): the only module that calls the ``mercadopago`` SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from core.contracts import MERCADOPAGO_API_URL
from core.errors import DependencyFailed, DomainError
from core.observability import logger
from pagos.credentials import CredentialStore

if TYPE_CHECKING:
    from mercadopago.config import RequestOptions

TIMEOUT_SECONDS = 5.0  # well inside the functions' timeouts
MAX_RETRIES = 1


class PaymentRejectedByProvider(DomainError):
    """Mercado Pago refused the request itself (a used card token, bad data): the client may fix it."""

    status = 402
    code = "payment_failed"


def _options(timeout_seconds: float, idempotency_key: str | None = None) -> RequestOptions:
    from mercadopago.config import RequestOptions  # the SDK loads on the first payment call, not at cold start

    headers = {"x-idempotency-key": idempotency_key} if idempotency_key else None
    return RequestOptions(connection_timeout=timeout_seconds, max_retries=MAX_RETRIES, custom_headers=headers)


class MercadoPagoGateway:
    """The SDK calls of one tenant's account. Every answer is checked; failures become domain errors."""

    def __init__(
        self,
        credentials: CredentialStore,
        secret_name: str,
        base_url: str = MERCADOPAGO_API_URL,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        self._credentials = credentials
        self._secret_name = secret_name
        self._base_url = base_url
        self._timeout = timeout_seconds  # each call's connect and read timeout (requests'), per attempt

    @property
    def webhook_secret(self) -> str:
        return self._credentials.get(self._secret_name).webhook_secret

    def _call(self, what: str, action: Callable[[Any], Mapping[str, Any]]) -> dict[str, Any]:
        from pagos.sdk import sdk_for  # the SDK loads on the first payment call, not at cold start

        sdk = sdk_for(self._credentials.get(self._secret_name).access_token, self._base_url)
        try:
            result = action(sdk)
        except Exception as exc:  # the SDK raises requests' and its own errors
            logger.warning("Mercado Pago call failed", extra={"call": what, "error": f"{type(exc).__name__}: {exc}"})
            raise DependencyFailed(f"Mercado Pago did not answer ({what})") from exc
        status = int(result.get("status") or 0)
        response = result.get("response")
        if status == 401:
            self._credentials.forget(self._secret_name)
            raise DependencyFailed(f"Mercado Pago refused this store's credentials ({what})")
        if 400 <= status < 500:
            message = response.get("message") if isinstance(response, dict) else None
            raise PaymentRejectedByProvider(f"Mercado Pago refused the {what}: {message or status}")
        if not 200 <= status < 300 or not isinstance(response, dict):
            raise DependencyFailed(f"Mercado Pago failed ({what}): HTTP {status}")
        return response

    def create_preference(self, preference: Mapping[str, Any]) -> dict[str, Any]:
        return self._call(
            "checkout preference", lambda sdk: sdk.preference().create(dict(preference), _options(self._timeout))
        )

    def create_payment(self, payment: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._call(
            "card payment", lambda sdk: sdk.payment().create(dict(payment), _options(self._timeout, idempotency_key))
        )

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        return self._call("payment lookup", lambda sdk: sdk.payment().get(payment_id, _options(self._timeout)))

    def search_payments(self, external_reference: str) -> list[dict[str, Any]]:
        """This account's payments made with ``external_reference``, newest first (``GET /v1/payments/search``)."""
        filters = {"external_reference": external_reference, "sort": "date_created", "criteria": "desc"}
        found = self._call("payment search", lambda sdk: sdk.payment().search(filters, _options(self._timeout)))
        results = found.get("results")
        return [p for p in results if isinstance(p, dict)] if isinstance(results, list) else []

    def refund(self, payment_id: str, idempotency_key: str) -> dict[str, Any]:
        return self._call(
            "refund", lambda sdk: sdk.refund().create(payment_id, None, _options(self._timeout, idempotency_key))
        )


def cents_to_soles(cents: int) -> float:
    """Mercado Pago amounts are decimal soles."""
    return round(cents / 100, 2)


def soles_to_cents(amount: Any) -> int | None:
    try:
        return round(float(amount) * 100)
    except (TypeError, ValueError):
        return None
