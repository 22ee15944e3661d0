"""Least-privilege grants written out: exact actions on exact ARNs (what ``grant_*`` cannot express)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs.nag import acknowledge


def allow(role: iam.IRole, actions: Sequence[str], resources: Sequence[str]) -> None:
    """Add one statement allowing ``actions`` on ``resources`` to ``role``."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=list(resources)))


def allow_projected(
    role: iam.IRole, actions: Sequence[str], resources: Sequence[str], attributes: Sequence[str]
) -> None:
    """``actions`` (reads: ``GetItem``, ``BatchGetItem``) on ``resources`` that may return no attribute but
    ``attributes``: the request must project them (IAM's fine-grained access; a read without a projection, or
    naming another attribute, is denied)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(actions),
            resources=list(resources),
            conditions={
                "ForAllValues:StringEquals": {"dynamodb:Attributes": list(attributes)},
                "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
            },
        )
    )


def index_arn(table: dynamodb.ITable, index: str) -> str:
    """The ARN of one named index of ``table`` (never ``index/*``)."""
    return f"{table.table_arn}/index/{index}"


def parameter_arn(stack: cdk.Stack, parameter: str) -> str:
    """The ARN of an SSM parameter by its name (``/a/b`` -> ``arn:...:parameter/a/b``), no reference needed."""
    return stack.format_arn(service="ssm", resource="parameter", resource_name=parameter.lstrip("/"))


def allow_secrets(role: iam.IRole, name_pattern: str, *, reason: str = "") -> None:
    """``secretsmanager:GetSecretValue`` on the secret ``name_pattern``, or on every secret under a prefix
    (``a/b/*``, which cdk-nag reports: ``reason`` says why)."""
    stack = cdk.Stack.of(role)
    wildcard = name_pattern.endswith("*")
    if wildcard and not reason:
        raise ValueError(f"{name_pattern}: a wildcard secret grant needs its reason")
    arn = stack.format_arn(
        service="secretsmanager",
        resource="secret",
        # Secrets Manager appends 6 random characters to a secret's name in its ARN.
        resource_name=name_pattern if wildcard else f"{name_pattern}-??????",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    allow(role, ["secretsmanager:GetSecretValue"], [arn])
    if wildcard:
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:{stack.region}:<AWS::AccountId>:secret:{name_pattern}]",
            reason,
        )


def allow_stop_executions(
    role: iam.IRole, state_machine_name: str, *, reason: str, also_describe: bool = False
) -> None:
    """``states:StopExecution`` (and ``DescribeExecution``) on the executions of the state machine named
    ``state_machine_name``."""
    stack = cdk.Stack.of(role)
    arn = stack.format_arn(
        service="states",
        resource="execution",
        resource_name=f"{state_machine_name}:*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    allow(role, ["states:StopExecution", *(["states:DescribeExecution"] if also_describe else [])], [arn])
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::arn:aws:states:{stack.region}:<AWS::AccountId>:execution:{state_machine_name}:*]",
        reason,
    )
