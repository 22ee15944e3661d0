"""Least-privilege grants written out: exact actions on exact ARNs (what ``grant_*`` cannot express)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam


def allow(role: iam.IRole, actions: Sequence[str], resources: Sequence[str]) -> None:
    """Add one statement allowing ``actions`` on ``resources`` to ``role``."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=list(resources)))


def index_arn(table: dynamodb.ITable, index: str) -> str:
    """The ARN of one named index of ``table`` (never ``index/*``)."""
    return f"{table.table_arn}/index/{index}"


def parameter_arn(stack: cdk.Stack, parameter: str) -> str:
    """The ARN of an SSM parameter by its name (``/a/b`` -> ``arn:...:parameter/a/b``), no reference needed."""
    return stack.format_arn(service="ssm", resource="parameter", resource_name=parameter.lstrip("/"))
