"""Read a synthesized cloud assembly (``cdk.out``) and resolve its templates.

This module knows the *shape* of what ``cdk synth`` writes and the semantics of
CloudFormation's intrinsic functions; it never talks to AWS. The provisioner
(``localcloud.provision``) walks the stacks it returns and records, resource by
resource, the physical ids that the moto server hands back, so that later
references resolve to real names, ARNs and URLs.

The cloud assembly
    ``manifest.json`` lists artifacts. ``aws:cloudformation:stack`` artifacts name
    their template (``properties.templateFile``) and their stack name
    (``properties.stackName``, or the artifact id); ``dependencies`` name other
    artifacts (stacks and ``cdk:asset-manifest`` artifacts). A CDK ``Stage``
    becomes a ``cdk:cloud-assembly`` artifact whose ``properties.directoryName``
    (``assembly-<Stage>``) holds a nested assembly with its own manifest; both
    layouts, and any nesting depth, are read. Asset manifests (``*.assets.json``)
    map an asset hash to ``source.path`` (relative to the manifest's folder); a
    template's ``Code.S3Key`` ``<hash>.zip`` is that asset.

Physical names
    An explicit name property (``TableName``, ``QueueName``, ...) wins. Otherwise a
    name is generated the way CloudFormation does, ``<stack>-<LogicalId>-<SUFFIX>``
    within the type's length limit (FIFO queues and topics keep ``.fifo``), except
    that the suffix is a hash of stack and logical id, so a restart of the local
    cloud produces the same names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_REGION = "us-east-1"

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
ASSET_MANIFEST_ARTIFACT = "cdk:asset-manifest"


class AssemblyError(Exception):
    """The cloud assembly cannot be read or a template cannot be resolved."""


class UnresolvableError(AssemblyError):
    """An intrinsic function refers to something that has no value here."""


class _NoValue:
    """``AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()


# --------------------------------------------------------------------------- the assembly


@dataclass(frozen=True)
class StackArtifact:
    """One CloudFormation stack of the cloud assembly."""

    key: str  # unique across nested assemblies: "<assembly dir>/<artifact id>" relative to cdk.out
    artifact_id: str
    stack_name: str  # the CloudFormation stack name (AWS::StackName)
    display_name: str  # the construct path, e.g. "Dev/Data"
    template: dict[str, Any]
    dependencies: tuple[str, ...]  # keys of the stacks this stack depends on
    assets: dict[str, Path] = field(default_factory=dict)  # asset hash -> absolute source path
    directory: Path | None = None  # the assembly folder its template (and a nested stack's ``aws:asset:path``) is in

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources

    def asset_path(self, object_key: str) -> Path | None:
        """The local folder (or file) of an asset given its S3 object key, ``<hash>.zip``."""
        asset_hash = object_key.rsplit("/", 1)[-1].split(".", 1)[0]
        return self.assets.get(asset_hash)


def load_stacks(cdk_out: Path) -> list[StackArtifact]:
    """All stacks of the cloud assembly in ``cdk_out`` (nested Stage assemblies included),
    ordered so that every stack comes after the stacks it depends on."""
    root = Path(cdk_out).resolve()
    if not (root / "manifest.json").is_file():
        raise AssemblyError(f"{root} is not a cloud assembly: manifest.json is missing")
    stacks: list[StackArtifact] = []
    _read_assembly(root, root, stacks)
    return order_stacks(stacks)


def _read_assembly(root: Path, directory: Path, out: list[StackArtifact]) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    artifacts: dict[str, dict[str, Any]] = manifest.get("artifacts", {})
    prefix = directory.relative_to(root).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    assets: dict[str, Path] = {}
    for artifact in artifacts.values():
        if artifact.get("type") == ASSET_MANIFEST_ARTIFACT:
            assets.update(_read_asset_manifest(directory / artifact["properties"]["file"]))
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        if kind == NESTED_ASSEMBLY_ARTIFACT:
            _read_assembly(root, directory / artifact["properties"]["directoryName"], out)
        elif kind == STACK_ARTIFACT:
            properties = artifact.get("properties", {})
            template = json.loads((directory / properties["templateFile"]).read_text())
            dependencies = tuple(
                prefix + dep
                for dep in artifact.get("dependencies", [])
                if artifacts.get(dep, {}).get("type") == STACK_ARTIFACT
            )
            out.append(
                StackArtifact(
                    key=prefix + artifact_id,
                    artifact_id=artifact_id,
                    stack_name=properties.get("stackName", artifact_id),
                    display_name=artifact.get("displayName", artifact_id),
                    template=template,
                    dependencies=dependencies,
                    assets=assets,
                    directory=directory,
                )
            )


def nested_stack(parent: StackArtifact, logical_id: str, resolver: Resolver) -> StackArtifact:
    """The nested stack that ``parent``'s ``AWS::CloudFormation::Stack`` ``logical_id`` deploys: its template is a
    file asset of the parent's assembly, named by the resource's ``aws:asset:path`` metadata (``cdk synth`` writes
    it) or else by the object key its ``TemplateURL`` ends with. Named as CloudFormation names a nested stack:
    ``<parent>-<logical id>-<suffix>``."""
    resource = parent.resources[logical_id]
    asset_path = (resource.get("Metadata") or {}).get("aws:asset:path")
    if asset_path and parent.directory is not None:
        path: Path | None = parent.directory / asset_path
    else:
        path = parent.asset_path(resolver.resolve_str((resource.get("Properties") or {}).get("TemplateURL", "")))
    if path is None or not path.is_file():
        raise AssemblyError(f"{parent.stack_name}/{logical_id}: the nested stack's template is not in the assembly")
    return StackArtifact(
        key=f"{parent.key}/{logical_id}",
        artifact_id=logical_id,
        stack_name=f"{parent.stack_name}-{logical_id}-{stable_suffix(parent.stack_name, logical_id, length=13)}",
        display_name=f"{parent.display_name}/{logical_id}",
        template=json.loads(path.read_text()),
        dependencies=(),
        assets=parent.assets,
        directory=parent.directory,
    )


def _read_asset_manifest(path: Path) -> dict[str, Path]:
    if not path.is_file():
        return {}
    manifest = json.loads(path.read_text())
    return {
        asset_hash: (path.parent / entry["source"]["path"]).resolve()
        for asset_hash, entry in manifest.get("files", {}).items()
        if "path" in entry.get("source", {})
    }


def order_stacks(stacks: list[StackArtifact]) -> list[StackArtifact]:
    """Stacks in dependency order (stable: assembly order among independent stacks)."""
    by_key = {stack.key: stack for stack in stacks}
    graph = {stack.key: [d for d in stack.dependencies if d in by_key] for stack in stacks}
    return [by_key[key] for key in _topological(list(by_key), graph, "stack")]


def _topological(nodes: list[str], graph: Mapping[str, Iterable[str]], what: str) -> list[str]:
    ordered: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(node: str, path: tuple[str, ...]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise AssemblyError(f"{what} dependency cycle: {' -> '.join((*path, node))}")
        state[node] = 1
        for dependency in graph.get(node, ()):
            visit(dependency, (*path, node))
        state[node] = 2
        ordered.append(node)

    for node in nodes:
        visit(node, ())
    return ordered


def references(value: Any) -> set[str]:
    """Names (logical ids, parameters, pseudo parameters) used by ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner.split(".", 1)[0] if isinstance(inner, str) else inner[0]
                found |= {target} if isinstance(target, str) else references(inner)
            elif key == "Fn::Sub":
                found |= _sub_references(inner)
            else:
                found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found


def _sub_references(argument: Any) -> set[str]:
    template = argument if isinstance(argument, str) else argument[0]
    variables = argument[1] if isinstance(argument, list) and len(argument) > 1 else {}
    names = {match.group(1).split(".", 1)[0] for match in _SUB_VARIABLE.finditer(template)}
    return (names - set(variables)) | references(variables)


def resource_order(stack: StackArtifact) -> list[str]:
    """The stack's logical ids in creation order: ``DependsOn`` and references first."""
    resources = stack.resources
    graph: dict[str, list[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        deps = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        deps |= references(resource.get("Properties", {}))
        graph[logical_id] = sorted(d for d in deps if d in resources and d != logical_id)
    return _topological(list(resources), graph, f"{stack.stack_name} resource")


# --------------------------------------------------------------------------- naming


def stable_suffix(*parts: str, length: int = 12, lowercase: bool = False) -> str:
    """A deterministic stand-in for CloudFormation's random name suffix."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz" if lowercase else "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def stable_id(*parts: str, length: int = 10) -> str:
    """A deterministic id shaped like AWS's lowercase ids (API Gateway ids, resource ids)."""
    return stable_suffix(*parts, length=length, lowercase=True)


def generated_name(
    stack_name: str,
    logical_id: str,
    *,
    max_length: int = 64,
    lowercase: bool = False,
    with_stack: bool = True,
    extension: str = "",
) -> str:
    """``<stack>-<LogicalId>-<SUFFIX><extension>`` truncated like CloudFormation does, deterministically."""
    suffix = stable_suffix(stack_name, logical_id, lowercase=lowercase)
    budget = max_length - len(suffix) - len(extension) - 1
    if with_stack:
        budget -= 1
        stack_part = stack_name[: max(budget // 2, budget - len(logical_id))]
        logical_part = logical_id[: budget - len(stack_part)]
        name = f"{stack_part}-{logical_part}-{suffix}"
    else:
        name = f"{logical_id[:budget]}-{suffix}"
    if lowercase:
        name = re.sub(r"[^a-z0-9-]", "-", name.lower())
    return name + extension


@dataclass(frozen=True)
class _NameRule:
    prop: str | None  # property holding an explicit name
    max_length: int = 64
    lowercase: bool = False
    with_stack: bool = True


_NAME_RULES: dict[str, _NameRule] = {
    "AWS::DynamoDB::Table": _NameRule("TableName", 255),
    "AWS::DynamoDB::GlobalTable": _NameRule("TableName", 255),
    "AWS::SQS::Queue": _NameRule("QueueName", 80),
    "AWS::SNS::Topic": _NameRule("TopicName", 256),
    "AWS::Events::EventBus": _NameRule("Name", 256),
    "AWS::Events::Rule": _NameRule("Name", 64),
    "AWS::S3::Bucket": _NameRule("BucketName", 63, lowercase=True),
    "AWS::StepFunctions::StateMachine": _NameRule("StateMachineName", 80, with_stack=False),
    "AWS::SecretsManager::Secret": _NameRule("Name", 512, with_stack=False),
    "AWS::Lambda::Function": _NameRule("FunctionName", 64),
    "AWS::Lambda::LayerVersion": _NameRule("LayerName", 140, with_stack=False),
    "AWS::IAM::Role": _NameRule("RoleName", 64),
    "AWS::IAM::Policy": _NameRule("PolicyName", 128),
    "AWS::IAM::ManagedPolicy": _NameRule("ManagedPolicyName", 128),
    "AWS::Logs::LogGroup": _NameRule("LogGroupName", 512),
    "AWS::CloudWatch::Alarm": _NameRule("AlarmName", 255),
    "AWS::ApiGateway::RestApi": _NameRule("Name", 1024),
    "AWS::ApiGatewayV2::Api": _NameRule("Name", 128),
    "AWS::Amplify::App": _NameRule("Name", 255),
    "AWS::SSM::Parameter": _NameRule("Name", 2048),
    "AWS::KMS::Alias": _NameRule("AliasName", 256),
}


# --------------------------------------------------------------------------- resolution


@dataclass
class ResourceValues:
    """What ``Ref`` and ``Fn::GetAtt`` return for one resource."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
_SUB_ANY = re.compile(r"\$\{(!?)([^}]*)\}")


class Resolver:
    """Resolves the intrinsic functions of one stack's template.

    ``state`` maps a logical id to the values of a resource that exists (filled by
    the provisioner as it creates resources); a reference to a resource not in
    ``state`` gets planned values: its physical name and the ARN/URL patterns of
    its type (enough for IAM roles, Lambda functions and everything that is
    not created in moto). ``exports`` holds the ``Export.Name`` values of the
    stacks provisioned so far, for ``Fn::ImportValue``.
    """

    def __init__(
        self,
        stack: StackArtifact,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        exports: Mapping[str, Any] | None = None,
        state: dict[str, ResourceValues] | None = None,
        parameters: Mapping[str, str] | None = None,
        partition: str = "aws",
        url_suffix: str = "amazonaws.com",
        sqs_base_url: str | None = None,
    ) -> None:
        self.stack = stack
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.url_suffix = url_suffix
        self.exports: Mapping[str, Any] = exports if exports is not None else {}
        self.state: dict[str, ResourceValues] = state if state is not None else {}
        self.parameters: Mapping[str, str] = parameters or {}
        self.sqs_base_url = sqs_base_url or f"https://sqs.{region}.{url_suffix}"
        self._conditions: dict[str, bool] = {}

    # ---------------------------------------------------------------- public API

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic function evaluated (``AWS::NoValue`` becomes ``None``)."""
        result = self._resolve(value)
        return None if result is NO_VALUE else result

    def resolve_str(self, value: Any) -> str:
        """Resolve to a string (numbers and booleans as CloudFormation renders them)."""
        return as_text(self.resolve(value))

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.stack.template.get("Conditions", {})
            if name not in conditions:
                raise UnresolvableError(f"{self.stack.stack_name}: unknown condition {name!r}")
            self._conditions[name] = self._evaluate_condition(conditions[name])
        return self._conditions[name]

    def is_active(self, logical_id: str) -> bool:
        """False when the resource (or output) has a ``Condition`` that is false."""
        entry = self.stack.resources.get(logical_id) or self.stack.template.get("Outputs", {}).get(logical_id)
        condition = (entry or {}).get("Condition")
        return condition is None or self.condition(condition)

    def physical_name(self, logical_id: str) -> str:
        """The explicit name property of the resource, else a CloudFormation-style generated name."""
        resource = self._resource(logical_id)
        kind = resource.get("Type", "")
        rule = _NAME_RULES.get(kind, _NameRule(None))
        properties = resource.get("Properties", {})
        if rule.prop and properties.get(rule.prop) is not None:
            return self.resolve_str(properties[rule.prop])
        extension = ""
        if kind == "AWS::SQS::Queue" and truthy(self.resolve(properties.get("FifoQueue"))):
            extension = ".fifo"
        if kind == "AWS::SNS::Topic" and truthy(self.resolve(properties.get("FifoTopic"))):
            extension = ".fifo"
        return generated_name(
            self.stack.stack_name,
            logical_id,
            max_length=rule.max_length,
            lowercase=rule.lowercase,
            with_stack=rule.with_stack,
            extension=extension,
        )

    def values(self, logical_id: str) -> ResourceValues:
        """The values of a resource: recorded ones if it exists, else planned ones."""
        if logical_id not in self.state:
            self.state[logical_id] = self.planned_values(logical_id)
        return self.state[logical_id]

    def planned_values(self, logical_id: str) -> ResourceValues:
        resource = self._resource(logical_id)
        return _planned_values(self, logical_id, resource.get("Type", ""), resource.get("Properties", {}))

    def outputs(self) -> dict[str, Any]:
        """The stack's active ``Outputs``, resolved, by output key."""
        return {
            key: self.resolve(output.get("Value"))
            for key, output in self.stack.template.get("Outputs", {}).items()
            if self.is_active(key)
        }

    def exported(self) -> dict[str, Any]:
        """The stack's exports: ``Export.Name`` -> resolved value."""
        result: dict[str, Any] = {}
        for key, output in self.stack.template.get("Outputs", {}).items():
            if "Export" in output and self.is_active(key):
                result[self.resolve_str(output["Export"]["Name"])] = self.resolve(output.get("Value"))
        return result

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    # ---------------------------------------------------------------- internals

    def _resource(self, logical_id: str) -> dict[str, Any]:
        resource = self.stack.resources.get(logical_id)
        if resource is None:
            raise UnresolvableError(f"{self.stack.stack_name}: no resource {logical_id!r}")
        return resource

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self._ref(argument)
                if key == "Condition" and isinstance(argument, str):
                    return self.condition(argument)
                if key.startswith("Fn::"):
                    handler = _FUNCTIONS.get(key)
                    if handler is None:
                        raise UnresolvableError(f"{self.stack.stack_name}: unsupported intrinsic {key}")
                    return handler(self, argument)
            resolved = {k: self._resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self._resolve(v) for v in value) if item is not NO_VALUE]
        return value

    def _ref(self, name: str) -> Any:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        parameters = self.stack.template.get("Parameters", {})
        if name in parameters:
            return self._parameter(name, parameters[name])
        if name in self.stack.resources:
            return self.values(name).ref
        raise UnresolvableError(f"{self.stack.stack_name}: Ref to unknown {name!r}")

    def _pseudo(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack.stack_name,
            "AWS::StackId": self.arn(
                "cloudformation",
                f"stack/{self.stack.stack_name}/{stable_id(self.stack.stack_name, length=32)}",
            ),
        }
        if name == "AWS::NotificationARNs":
            return []
        return pseudo.get(name)

    def _parameter(self, name: str, declaration: dict[str, Any]) -> Any:
        if name in self.parameters:
            raw: Any = self.parameters[name]
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            raise UnresolvableError(f"{self.stack.stack_name}: parameter {name!r} has no value")
        if str(declaration.get("Type", "")).startswith(("List<", "CommaDelimitedList")) and isinstance(raw, str):
            return [item.strip() for item in raw.split(",")]
        return raw

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.stack.resources:
            raise UnresolvableError(f"{self.stack.stack_name}: GetAtt of unknown resource {logical_id!r}")
        values = self.values(logical_id)
        if attribute in values.attributes:
            return values.attributes[attribute]
        kind = self.stack.resources[logical_id].get("Type")
        raise UnresolvableError(f"{self.stack.stack_name}: {logical_id} ({kind}) has no attribute {attribute!r}")

    def _evaluate_condition(self, value: Any) -> bool:  # noqa: PLR0911 (one return per condition function)
        if isinstance(value, dict) and len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Condition":
                return self.condition(argument)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in argument)
                return as_text(left) == as_text(right)
            if key == "Fn::Not":
                return not self._evaluate_condition(argument[0])
            if key == "Fn::And":
                return all(self._evaluate_condition(v) for v in argument)
            if key == "Fn::Or":
                return any(self._evaluate_condition(v) for v in argument)
            if key == "Fn::Contains":
                haystack, needle = (self.resolve(v) for v in argument)
                return as_text(needle) in [as_text(v) for v in haystack]
        resolved = self.resolve(value)
        if isinstance(resolved, bool):
            return resolved
        raise UnresolvableError(f"{self.stack.stack_name}: unsupported condition {value!r}")


# --------------------------------------------------------------------------- intrinsic functions


def _fn_get_att(resolver: Resolver, argument: Any) -> Any:
    if isinstance(argument, str):
        logical_id, attribute = argument.split(".", 1)
    else:
        logical_id, attribute = argument[0], resolver.resolve_str(argument[1])
    return resolver._get_att(logical_id, attribute)


def _fn_join(resolver: Resolver, argument: Any) -> str:
    delimiter, items = argument
    values = resolver._resolve(items)
    if not isinstance(values, list):
        raise UnresolvableError(f"Fn::Join needs a list, got {values!r}")
    return resolver.resolve_str(delimiter).join(as_text(v) for v in values)


def _fn_sub(resolver: Resolver, argument: Any) -> str:
    if isinstance(argument, str):
        template, variables = argument, {}
    else:
        template, variables = argument[0], resolver._resolve(argument[1] if len(argument) > 1 else {})

    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "!":
            return "${" + match.group(2) + "}"
        name = match.group(2).strip()
        if name in variables:
            return as_text(variables[name])
        if "." in name and name.split(".", 1)[0] in resolver.stack.resources:
            logical_id, attribute = name.split(".", 1)
            return as_text(resolver._get_att(logical_id, attribute))
        return as_text(resolver._ref(name))

    return _SUB_ANY.sub(replace, template)


def _fn_select(resolver: Resolver, argument: Any) -> Any:
    index, items = argument
    values = resolver._resolve(items)
    position = int(resolver.resolve(index))
    if not isinstance(values, list) or not 0 <= position < len(values):
        raise UnresolvableError(f"Fn::Select index {position} out of range of {values!r}")
    return values[position]


def _fn_split(resolver: Resolver, argument: Any) -> list[str]:
    delimiter, source = argument
    return resolver.resolve_str(source).split(resolver.resolve_str(delimiter))


def _fn_if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return resolver._resolve(when_true if resolver.condition(name) else when_false)


def _fn_find_in_map(resolver: Resolver, argument: Any) -> Any:
    map_name, top, second = (resolver.resolve(v) for v in argument[:3])
    mappings = resolver.stack.template.get("Mappings", {})
    try:
        return resolver._resolve(mappings[map_name][as_text(top)][as_text(second)])
    except KeyError:
        if len(argument) > 3 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
            return resolver._resolve(argument[3]["DefaultValue"])
        raise UnresolvableError(f"Fn::FindInMap: no {map_name}/{top}/{second}") from None


def _fn_import_value(resolver: Resolver, argument: Any) -> Any:
    name = resolver.resolve_str(argument)
    if name not in resolver.exports:
        raise UnresolvableError(f"{resolver.stack.stack_name}: Fn::ImportValue of unknown export {name!r}")
    return resolver.exports[name]


def _fn_base64(resolver: Resolver, argument: Any) -> str:
    return base64.b64encode(resolver.resolve_str(argument).encode()).decode()


def _fn_get_azs(resolver: Resolver, argument: Any) -> list[str]:
    region = resolver.resolve_str(argument) or resolver.region
    return [f"{region}a", f"{region}b", f"{region}c"]


def _fn_to_json_string(resolver: Resolver, argument: Any) -> str:
    return json.dumps(resolver.resolve(argument), separators=(",", ":"))


def _fn_length(resolver: Resolver, argument: Any) -> int:
    return len(resolver._resolve(argument))


def _fn_equals(resolver: Resolver, argument: Any) -> bool:
    return resolver._evaluate_condition({"Fn::Equals": argument})


def _fn_not(resolver: Resolver, argument: Any) -> bool:
    return resolver._evaluate_condition({"Fn::Not": argument})


def _fn_and(resolver: Resolver, argument: Any) -> bool:
    return resolver._evaluate_condition({"Fn::And": argument})


def _fn_or(resolver: Resolver, argument: Any) -> bool:
    return resolver._evaluate_condition({"Fn::Or": argument})


_FUNCTIONS: dict[str, Any] = {
    "Fn::GetAtt": _fn_get_att,
    "Fn::Join": _fn_join,
    "Fn::Sub": _fn_sub,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::ImportValue": _fn_import_value,
    "Fn::Base64": _fn_base64,
    "Fn::GetAZs": _fn_get_azs,
    "Fn::ToJsonString": _fn_to_json_string,
    "Fn::Length": _fn_length,
    "Fn::Equals": _fn_equals,
    "Fn::Not": _fn_not,
    "Fn::And": _fn_and,
    "Fn::Or": _fn_or,
}


def as_text(value: Any) -> str:
    """A resolved template value as CloudFormation turns it into a string (booleans lower-case, JSON)."""
    if value is None or value is NO_VALUE:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def truthy(value: Any) -> bool:
    """CloudFormation's booleans: ``true`` or the string ``"true"`` in any case."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


# --------------------------------------------------------------------------- planned values per type


def _planned_values(r: Resolver, logical_id: str, kind: str, props: dict[str, Any]) -> ResourceValues:
    """Ref and GetAtt values of a resource, from its physical name and its type's ARN pattern."""
    if kind.startswith("AWS::ApiGateway::") or kind.startswith("AWS::ApiGatewayV2::"):
        return _planned_api_values(r, logical_id, kind, props)
    name = r.physical_name(logical_id)
    planner = _PLANNERS.get(kind)
    return planner(r, logical_id, name, props) if planner is not None else ResourceValues(name)


# (resolver, logical id, physical name, properties) -> the resource's values
_Planner = Callable[[Resolver, str, str, dict[str, Any]], ResourceValues]


def _named(service: str, resource: str, *, region: bool = True) -> _Planner:
    """Ref is the name, ``Arn`` the ARN of ``resource`` (a pattern of ``{name}``)."""

    def planned(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
        return ResourceValues(name, {"Arn": r.arn(service, resource.format(name=name), region=region)})

    return planned


def _dynamodb_table(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    arn = r.arn("dynamodb", f"table/{name}")
    return ResourceValues(name, {"Arn": arn, "StreamArn": f"{arn}/stream/1970-01-01T00:00:00.000"})


def _sqs_queue(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    url = f"{r.sqs_base_url}/{r.account_id}/{name}"
    return ResourceValues(url, {"Arn": r.arn("sqs", name), "QueueName": name, "QueueUrl": url})


def _sns_topic(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    arn = r.arn("sns", name)
    return ResourceValues(arn, {"TopicArn": arn, "TopicName": name})


def _sns_subscription(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    stack = r.stack.stack_name
    return ResourceValues(r.arn("sns", f"{stack}-{logical_id}:{stable_id(stack, logical_id, length=36)}"))


def _event_bus(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    return ResourceValues(name, {"Arn": r.arn("events", f"event-bus/{name}"), "Name": name})


def _events_rule(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    bus = r.resolve_str(props.get("EventBusName", "default")).split("/")[-1] or "default"
    path = f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"
    return ResourceValues(name if bus == "default" else f"{bus}|{name}", {"Arn": r.arn("events", path)})


def _s3_bucket(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    return ResourceValues(
        name,
        {
            "Arn": r.arn("s3", name, region=False, account=False),
            "DomainName": f"{name}.s3.{r.url_suffix}",
            "RegionalDomainName": f"{name}.s3.{r.region}.{r.url_suffix}",
            "DualStackDomainName": f"{name}.s3.dualstack.{r.region}.{r.url_suffix}",
            "WebsiteURL": f"http://{name}.s3-website-{r.region}.{r.url_suffix}",
        },
    )


def _state_machine(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    arn = r.arn("states", f"stateMachine:{name}")
    return ResourceValues(arn, {"Arn": arn, "Name": name, "StateMachineRevisionId": arn})


def _secret(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    arn = r.arn("secretsmanager", f"secret:{name}-{stable_suffix(r.stack.stack_name, logical_id, length=6)}")
    return ResourceValues(arn, {"Id": arn})


def _layer_version(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    arn = r.arn("lambda", f"layer:{name}:1")
    return ResourceValues(arn, {"LayerVersionArn": arn})


def _lambda_version(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    function = r.resolve_str(props.get("FunctionName", ""))
    arn = function if function.startswith("arn:") else r.arn("lambda", f"function:{function}")
    qualified = f"{arn}:{r.resolve_str(props.get('Name', '1'))}"
    return ResourceValues(qualified, {"Version": "1", "FunctionArn": arn, "AliasArn": qualified})


def _iam_role(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    role_id = "AROA" + stable_suffix(name, length=17)
    return ResourceValues(name, {"Arn": r.arn("iam", f"role/{name}", region=False), "RoleId": role_id})


def _managed_policy(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    arn = r.arn("iam", f"policy/{name}", region=False)
    return ResourceValues(arn, {"PolicyArn": arn})


def _kms_key(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    key_id = _uuid_like(r.stack.stack_name, logical_id)
    return ResourceValues(key_id, {"Arn": r.arn("kms", f"key/{key_id}"), "KeyId": key_id})


def _ssm_parameter(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    return ResourceValues(name, {"Type": r.resolve_str(props.get("Type", "String")), "Value": ""})


def _amplify_app(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    app_id = "d" + stable_id(r.stack.stack_name, logical_id, length=13)
    arn = r.arn("amplify", f"apps/{app_id}")
    return ResourceValues(
        arn, {"AppId": app_id, "AppName": name, "Arn": arn, "DefaultDomain": f"{app_id}.amplifyapp.com"}
    )


def _amplify_branch(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    branch = r.resolve_str(props.get("BranchName", logical_id))
    app_id = r.resolve_str(props.get("AppId", ""))
    arn = r.arn("amplify", f"apps/{app_id}/branches/{branch}")
    return ResourceValues(arn, {"Arn": arn, "BranchName": branch})


def _event_source_mapping(r: Resolver, logical_id: str, name: str, props: dict[str, Any]) -> ResourceValues:
    uuid = _uuid_like(r.stack.stack_name, logical_id)
    return ResourceValues(uuid, {"Id": uuid, "EventSourceMappingArn": r.arn("lambda", f"event-source-mapping:{uuid}")})


# Types not listed get their physical name as Ref and no attributes.
_PLANNERS: dict[str, _Planner] = {
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::DynamoDB::GlobalTable": _dynamodb_table,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SNS::Subscription": _sns_subscription,
    "AWS::Events::EventBus": _event_bus,
    "AWS::Events::Rule": _events_rule,
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::Lambda::Function": _named("lambda", "function:{name}"),
    "AWS::Lambda::LayerVersion": _layer_version,
    "AWS::Lambda::Version": _lambda_version,
    "AWS::Lambda::Alias": _lambda_version,
    "AWS::IAM::Role": _iam_role,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::InstanceProfile": _named("iam", "instance-profile/{name}", region=False),
    "AWS::Logs::LogGroup": _named("logs", "log-group:{name}:*"),
    "AWS::CloudWatch::Alarm": _named("cloudwatch", "alarm:{name}"),
    "AWS::KMS::Key": _kms_key,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::Amplify::App": _amplify_app,
    "AWS::Amplify::Branch": _amplify_branch,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
}


def _planned_api_values(r: Resolver, logical_id: str, kind: str, props: dict[str, Any]) -> ResourceValues:
    stack = r.stack.stack_name
    api_id = stable_id(stack, logical_id)
    if kind == "AWS::ApiGateway::RestApi":
        return ResourceValues(api_id, {"RestApiId": api_id, "RootResourceId": stable_id(stack, logical_id, "/")})
    if kind == "AWS::ApiGatewayV2::Api":
        scheme = "wss" if r.resolve_str(props.get("ProtocolType", "")) == "WEBSOCKET" else "https"
        endpoint = f"{scheme}://{api_id}.execute-api.{r.region}.{r.url_suffix}"
        return ResourceValues(api_id, {"ApiId": api_id, "ApiEndpoint": endpoint})
    if kind in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        return ResourceValues(r.resolve_str(props.get("StageName", "")))
    short = stable_id(stack, logical_id, length=6)
    attributes = {
        "AWS::ApiGateway::Resource": {"ResourceId": short},
        "AWS::ApiGateway::Authorizer": {"AuthorizerId": short},
        "AWS::ApiGateway::Deployment": {"DeploymentId": short},
        "AWS::ApiGatewayV2::Integration": {"IntegrationId": short},
        "AWS::ApiGatewayV2::Route": {"RouteId": short},
        "AWS::ApiGatewayV2::Authorizer": {"AuthorizerId": short},
        "AWS::ApiGatewayV2::Deployment": {"DeploymentId": short},
    }.get(kind, {})
    return ResourceValues(short, attributes)


def _uuid_like(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
