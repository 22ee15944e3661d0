"""Each function's own IAM role, enforced: what its synthesized policy does not allow is refused.

On AWS a function calls with its role's credentials, and IAM refuses any action on any resource
that no statement of the role's policies allows. moto accepts every call, so a missing grant (a
``Query`` on an index the policy does not name, a secret outside its prefix) would only show on the
first deploy. Here each function's worker calls the AWS APIs with an access key of its own, through
``localcloud.aws_proxy``, which maps the request to IAM actions and resource ARNs (``describe``) and
checks them against the statements of the function's role, read from the templates (``allowed``).

What is evaluated: ``Effect``, ``Action`` / ``NotAction`` and ``Resource`` with IAM's wildcards
(``*``, ``?``); an explicit ``Deny`` wins. Not evaluated: ``Condition`` blocks (a statement with
conditions counts as allowing: stricter would refuse what AWS allows), resource policies (queues,
topics, buckets, keys), permission boundaries and SCPs. Actions the proxy cannot tie to a resource
(``states:SendTaskSuccess``: the task token names none) are checked against the action alone.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

ANY = "*"


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Statement:
        def listed(key: str) -> tuple[str, ...]:
            value = raw.get(key, [])
            return tuple(str(v) for v in (value if isinstance(value, list) else [value]))

        return cls(
            effect=str(raw.get("Effect", "Allow")),
            actions=listed("Action"),
            not_actions=listed("NotAction"),
            resources=listed("Resource") or (ANY,),
        )

    def covers_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(_match(pattern, action, ignore_case=True) for pattern in self.not_actions)
        return any(_match(pattern, action, ignore_case=True) for pattern in self.actions)

    def covers_resource(self, resource: str) -> bool:
        if resource == ANY:
            return True  # the action names no resource: any statement for the action answers it
        return any(_match(pattern, resource) for pattern in self.resources)


def _match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    # IAM's wildcards are * and ?; fnmatch's [] must not count, so escape them first.
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def statements_of(document: Mapping[str, Any]) -> list[Statement]:
    raw = document.get("Statement", [])
    return [Statement.parse(s) for s in (raw if isinstance(raw, list) else [raw])]


def allowed(statements: Sequence[Statement], action: str, resource: str) -> bool:
    """IAM's decision for one action on one resource: an explicit Deny wins, then any Allow."""
    relevant = [s for s in statements if s.covers_action(action) and s.covers_resource(resource)]
    if any(s.effect == "Deny" for s in relevant):
        return False
    return any(s.effect == "Allow" for s in relevant)


# ----------------------------------------------------------------------------- requests -> IAM


@dataclass(frozen=True)
class Call:
    """What one HTTP request to an AWS API asks IAM for: (action, resource) pairs, all needed."""

    service: str
    operation: str
    needs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Arns:
    region: str
    account: str

    def table(self, name: str, index: str | None = None) -> str:
        base = name if name.startswith("arn:") else f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"
        return f"{base}/index/{index}" if index else base

    def queue(self, url: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{url.rstrip('/').rsplit('/', 1)[-1]}"

    def bus(self, name: str | None) -> str:
        name = name or "default"
        return name if name.startswith("arn:") else f"arn:aws:events:{self.region}:{self.account}:event-bus/{name}"

    def secret(self, secret_id: str) -> str:
        if secret_id.startswith("arn:"):
            return secret_id
        # A secret's ARN ends in six random characters that a name does not have.
        return f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{secret_id}-AbCdEf"

    def parameter(self, name: str) -> str:
        return f"arn:aws:ssm:{self.region}:{self.account}:parameter/{name.lstrip('/')}"


_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
_S3_ACTIONS = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject"}


def _dynamodb(operation: str, body: Mapping[str, Any], arns: Arns) -> list[tuple[str, str]]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", arns.table(t)) for t in body.get("RequestItems", {})]
    if operation == "TransactWriteItems":
        needs = []
        for item in body.get("TransactItems", []):
            for kind, request in item.items():
                needs.append((f"dynamodb:{_TRANSACT.get(kind, kind)}", arns.table(request["TableName"])))
        return needs
    if operation == "TransactGetItems":
        return [("dynamodb:GetItem", arns.table(i["Get"]["TableName"])) for i in body.get("TransactItems", [])]
    table = body.get("TableName")
    if not table:
        return [(f"dynamodb:{operation}", ANY)]
    return [(f"dynamodb:{operation}", arns.table(table, body.get("IndexName")))]


# JSON-protocol services (X-Amz-Target prefix) -> IAM service prefix, and the resource a request names.
_JSON_SERVICES: dict[str, tuple[str, Callable[[Mapping[str, Any], Arns], str]]] = {
    "AmazonSQS": ("sqs", lambda b, a: a.queue(b["QueueUrl"]) if b.get("QueueUrl") else ANY),
    "AWSStepFunctions": ("states", lambda b, a: str(b.get("stateMachineArn") or b.get("executionArn") or ANY)),
    "secretsmanager": ("secretsmanager", lambda b, a: a.secret(str(b["SecretId"])) if b.get("SecretId") else ANY),
    "AmazonSSM": ("ssm", lambda b, a: a.parameter(str(b["Name"])) if b.get("Name") else ANY),
}


def _json_protocol(target: str, body: Mapping[str, Any], arns: Arns) -> Call:
    prefix, _, operation = target.partition(".")
    if prefix.startswith("DynamoDB"):
        return Call("dynamodb", operation, tuple(_dynamodb(operation, body, arns)))
    if prefix == "AWSEvents" and operation == "PutEvents":
        buses = {arns.bus(e.get("EventBusName")) for e in body.get("Entries", [])} or {arns.bus(None)}
        return Call("events", operation, tuple(("events:PutEvents", b) for b in sorted(buses)))
    service, resource_of = _JSON_SERVICES.get(prefix, (prefix.lower().removeprefix("aws"), lambda b, a: ANY))
    return Call(service, operation, ((f"{service}:{operation}", resource_of(body, arns)),))


def _query_protocol(form: Mapping[str, list[str]], arns: Arns) -> Call | None:
    action = (form.get("Action") or [""])[0]
    if not action:
        return None
    if "TopicArn" in form:
        return Call("sns", action, ((f"sns:{action}", form["TopicArn"][0]),))
    if "QueueUrl" in form:
        return Call("sqs", action, ((f"sqs:{action}", arns.queue(form["QueueUrl"][0])),))
    return None


def _s3(method: str, path: str, query: Mapping[str, list[str]]) -> Call:
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not key:
        action = "ListBucket" if method == "GET" else f"{method.title()}Bucket"
        return Call("s3", action, ((f"s3:{action}", f"arn:aws:s3:::{bucket}"),))
    action = _S3_ACTIONS.get(method, method.title() + "Object")
    if method == "PUT" and "x-amz-copy-source" in query:
        action = "PutObject"
    return Call("s3", action, ((f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}"),))


def describe(method: str, url: str, headers: Mapping[str, str], body: bytes, arns: Arns) -> Call | None:
    """The IAM actions and resources of one AWS API request, or None when it is not one we can tell."""
    lowered = {k.lower(): v for k, v in headers.items()}
    target = lowered.get("x-amz-target")
    if target:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        return _json_protocol(target, payload if isinstance(payload, dict) else {}, arns)
    content_type = lowered.get("content-type", "")
    if method == "POST" and "x-www-form-urlencoded" in content_type:
        return _query_protocol(parse_qs(body.decode(errors="replace")), arns)
    parsed = urlparse(url)
    signed_for = _signed_for(lowered, parsed.query)
    if signed_for == "s3":
        return _s3(method, parsed.path, parse_qs(parsed.query))
    if signed_for == "apigateway":  # API Gateway's management API: the HTTP method on the path's resource
        resource = f"arn:aws:apigateway:{arns.region}::{unquote(parsed.path)}"
        return Call("apigateway", method, ((f"apigateway:{method}", resource),))
    return None


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/[^/]+/([^/]+)/aws4_request")


def _signed_for(headers: Mapping[str, str], query: str) -> str | None:
    """The service a SigV4 request was signed for (header or presigned query), if any."""
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    if match:
        return match.group(2)
    credential = (parse_qs(query).get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    return parts[3] if len(parts) >= 5 else None


def access_key(headers: Mapping[str, str], query: str) -> str | None:
    """The access key a request was signed with (SigV4 header, SigV4 or SigV2 presigned query)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    match = _CREDENTIAL.search(lowered.get("authorization", ""))
    if match:
        return match.group(1)
    params = parse_qs(query)
    credential = (params.get("X-Amz-Credential") or [""])[0]
    if credential:
        return credential.split("/", 1)[0]
    legacy = params.get("AWSAccessKeyId")
    return legacy[0] if legacy else None


def refusals(statements: Sequence[Statement], needs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(action, resource) for action, resource in needs if not allowed(statements, action, resource)]
