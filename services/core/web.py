"""What the platform knows about its web apps only once they are deployed: their origins and addresses.

FrontendStack publishes them in SSM parameters (``/<prefix>/web/origins``, ``customer-url``,
``staff-url``); a function reads the one it needs by name, once per warm container. A value given
directly in the environment wins (the local cloud and custom domains set it), and a parameter that
cannot be read yields nothing rather than a failed cold start.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from botocore.exceptions import BotoCoreError, ClientError

from core.observability import logger


@functools.cache
def parameter(name: str) -> str | None:
    """The value of an SSM parameter, read once per container; None when it cannot be read."""
    import boto3  # only a function whose origins are published reads a parameter: no SDK at every cold start

    try:
        return str(boto3.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
    except (BotoCoreError, ClientError):
        logger.warning("web parameter not readable", extra={"parameter": name})
        return None


def value_or_parameter(value: str, parameter_name: str) -> str:
    """``value`` when given (a custom domain, the local cloud), else the published parameter's (or "")."""
    if value or not parameter_name:
        return value
    return parameter(parameter_name) or ""


def allowed_origins() -> list[str]:
    """The origins CORS answers: ``ALLOWED_ORIGINS`` and the web apps' own (``ALLOWED_ORIGINS_PARAMETER``)."""
    origins = [o for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o]
    name = os.environ.get("ALLOWED_ORIGINS_PARAMETER", "")
    published = (parameter(name) or "") if name else ""
    return list(dict.fromkeys([*origins, *(o for o in published.split(",") if o)]))


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A request header by name in any case (API Gateway passes headers as each client wrote them)."""
    wanted = name.lower()
    return next((value for key, value in (headers or {}).items() if key.lower() == wanted), None)
