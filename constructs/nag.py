"""Acknowledging a cdk-nag finding: the exact finding id on the exact construct, with a reason."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """``finding`` is a full id such as ``AwsSolutions-IAM5[Resource::*]`` (cdk-nag v3 has no prefix match).

    It is recorded as ``AwsSolutions::<finding>``, the plugin-qualified id the nag report asks for.
    """
    if not reason.strip():
        raise ValueError(f"acknowledging {finding} needs a reason")
    pack = finding.split("-", 1)[0]
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{pack}::{finding}", reason=reason))
