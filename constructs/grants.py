"""Least-privilege grants written out: exact actions on exact ARNs (what ``grant_*`` cannot express)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam


def allow(role: iam.IRole, actions: Sequence[str], resources: Sequence[str]) -> None:
    """Add one statement allowing ``actions`` on ``resources`` to ``role``."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=list(resources)))


def index_arn(table: dynamodb.ITable, index: str) -> str:
    """The ARN of one named index of ``table`` (never ``index/*``)."""
    return f"{table.table_arn}/index/{index}"
