"""The local cloud's IAM: requests mapped to actions and resources, checked against a role's statements."""

from __future__ import annotations

import json

from localcloud.iam import Arns, access_key, allowed, describe, statements_of

ARNS = Arns(region="us-east-1", account="123456789012")
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/bembos-dev-pedidos"


def test_iam_wildcards_and_an_explicit_deny_decide_as_on_aws() -> None:
    statements = statements_of(
        {
            "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"],
                 "Resource": [TABLE, f"{TABLE}/index/*"]},
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                 "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bembos-dev/mercadopago/*"},
                {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": f"{TABLE}-secreto"},
            ]
        }
    )  # fmt: skip
    assert allowed(statements, "dynamodb:GetItem", TABLE)
    assert allowed(statements, "DynamoDB:GETITEM", TABLE)  # actions are case-insensitive
    assert allowed(statements, "dynamodb:Query", f"{TABLE}/index/by_customer")
    assert not allowed(statements, "dynamodb:Query", TABLE.replace("pedidos", "usuarios"))
    assert not allowed(statements, "dynamodb:PutItem", TABLE)
    assert allowed(statements, "secretsmanager:GetSecretValue", ARNS.secret("bembos-dev/mercadopago/bembos-a"))
    assert not allowed(statements, "secretsmanager:GetSecretValue", ARNS.secret("bembos-dev/smtp/gmail"))


def test_requests_become_the_actions_and_resources_iam_checks() -> None:
    query = describe(
        "POST", "http://aws/", {"X-Amz-Target": "DynamoDB_20120810.Query"},
        json.dumps({"TableName": "bembos-dev-pedidos", "IndexName": "by_customer"}).encode(), ARNS,
    )  # fmt: skip
    assert query is not None and query.needs == (("dynamodb:Query", f"{TABLE}/index/by_customer"),)
    transaction = describe(
        "POST", "http://aws/", {"X-Amz-Target": "DynamoDB_20120810.TransactWriteItems"},
        json.dumps({"TransactItems": [{"Put": {"TableName": "a"}}, {"Update": {"TableName": "b"}}]}).encode(), ARNS,
    )  # fmt: skip
    assert transaction is not None and [a for a, _ in transaction.needs] == ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    publish = describe(
        "POST", "http://aws/", {"Content-Type": "application/x-www-form-urlencoded"},
        b"Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Apago", ARNS,
    )  # fmt: skip
    assert publish is not None and publish.needs == (("sns:Publish", "arn:aws:sns:us-east-1:123456789012:pago"),)
    credential = "ASIALOCALX%2F20261128%2Fus-east-1%2Fs3%2Faws4_request"
    url = f"http://aws/bucket/tenants/a/productos/p/1.png?X-Amz-Credential={credential}&X-Amz-Signature=x"
    upload = describe("PUT", url, {}, b"", ARNS)
    assert upload is not None and upload.needs == (("s3:PutObject", "arn:aws:s3:::bucket/tenants/a/productos/p/1.png"),)
    assert access_key({}, url.split("?", 1)[1]) == "ASIALOCALX"


def test_api_gateway_management_calls_are_the_http_method_on_the_paths_resource() -> None:
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=ASIALOCALX/20261129/us-east-1/apigateway/aws4_request, x"}
    plans = "arn:aws:apigateway:us-east-1::/usageplans"
    join = describe("POST", "http://aws/usageplans/p1/keys", signed, b"{}", ARNS)
    keys = describe("GET", "http://aws/apikeys?name=bembos-dev-a&includeValues=true", signed, b"", ARNS)

    assert join is not None and join.needs == (("apigateway:POST", f"{plans}/p1/keys"),)
    assert keys is not None and keys.needs == (("apigateway:GET", "arn:aws:apigateway:us-east-1::/apikeys"),)
    grant = statements_of(
        {"Statement": [{"Effect": "Allow", "Action": "apigateway:POST", "Resource": f"{plans}/p1/keys*"}]}
    )
    assert allowed(grant, *join.needs[0])
    assert not allowed(grant, "apigateway:POST", f"{plans}/p2/keys")
