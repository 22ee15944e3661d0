"""The stage's operations in the templates: every function, DLQ, the workflow and the API alarmed to the alarm topic,
one dashboard per stage, every function's metrics flushed per invocation, and room left in every stack."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest

from core import contracts
from core import observability as core_observability

CLOUDFORMATION_RESOURCE_LIMIT = 500


def _templates(app: Any) -> dict[str, dict[str, Any]]:
    return {path.name.split(".")[0]: json.loads(path.read_text()) for path in app.template_files()}


def _all(app: Any, type_name: str) -> dict[str, dict[str, Any]]:
    """Every resource of ``type_name`` in every template of the stage, by ``<template>/<logical id>``."""
    return {
        f"{name}/{logical_id}": resource
        for name, template in _templates(app).items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == type_name
    }


def _alarmed_metrics(alarm: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric name, dimensions) of every metric an alarm reads, plain or in metric math."""
    props = alarm["Properties"]
    if "MetricName" in props:
        yield props["Namespace"], props["MetricName"], {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}
    for query in props.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            yield metric["Namespace"], metric["MetricName"], dimensions


def _alarm_topic_id(app: Any) -> str:
    topics = _templates(app)["Messaging"]["Resources"]
    return next(k for k, t in topics.items() if str(t["Properties"].get("TopicName", "")).endswith("-alarmas"))


def _alarms_on(app: Any, namespace: str, metric_name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(alarm, the metric's dimensions) of every alarm that reads ``metric_name``, each notifying the alarm topic."""
    found = []
    topic = _alarm_topic_id(app)
    for alarm in _all(app, "AWS::CloudWatch::Alarm").values():
        for ns, name, dimensions in _alarmed_metrics(alarm):
            if (ns, name) == (namespace, metric_name):
                assert topic in json.dumps(alarm["Properties"]["AlarmActions"]), alarm
                found.append((alarm, dimensions))
    return found


def _platform_functions(app: Any) -> dict[str, dict[str, Any]]:
    """The platform's functions (a service of services/), by name."""
    return {
        f["Properties"]["FunctionName"]: f
        for f in _all(app, "AWS::Lambda::Function").values()
        if "POWERTOOLS_SERVICE_NAME" in f["Properties"].get("Environment", {}).get("Variables", {})
    }


def test_every_function_that_anything_invokes_is_a_platform_function(dev_app) -> None:
    # A function a queue, an API or an authorizer invokes must be one the alarms below see (a ServiceFunction); the
    # others are CDK's custom resource providers, run by CloudFormation at deploy time (a failure fails the deploy).
    functions = _all(dev_app, "AWS::Lambda::Function")
    platform = set(_platform_functions(dev_app))
    logical_ids = {key.split("/")[1]: f["Properties"].get("FunctionName") for key, f in functions.items()}
    invoked = {
        name
        for kind in ("AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission")
        for resource in _all(dev_app, kind).values()
        for logical_id, name in logical_ids.items()
        if f'"{logical_id}"' in json.dumps(resource["Properties"])
    }
    assert len(invoked) >= 16
    assert invoked <= platform, invoked - platform


def test_every_function_has_an_errors_and_a_throttles_alarm_but_the_authorizer_no_errors_one(dev_app) -> None:
    """The authorizer raises "Unauthorized" for every 401, which Lambda counts as an Error: an errors alarm on it
    would page for each expired session (its crashes are API Gateway 500s, under the REST 5xx rate alarm)."""
    functions = set(_platform_functions(dev_app))
    assert len(functions) >= 16
    authorizer = {f for f in functions if f.endswith("-authorizer")}
    assert len(authorizer) == 1
    expected = {"Errors": functions - authorizer, "Throttles": functions}
    for metric, watched in expected.items():
        alarmed = [d["FunctionName"] for _, d in _alarms_on(dev_app, "AWS/Lambda", metric)]
        assert sorted(alarmed) == sorted(watched), metric  # each once, none of a function that is not there


def _queue_named(queues: dict[str, dict[str, Any]], value: Any) -> str:
    """The logical id of the queue an alarm dimension names: by its name, or by ``Fn::GetAtt`` of its QueueName."""
    if isinstance(value, dict):
        return str(value["Fn::GetAtt"][0])
    return next(key.split("/")[1] for key, q in queues.items() if q["Properties"]["QueueName"] == value)


def test_every_dead_letter_queue_has_a_depth_alarm(dev_app) -> None:
    queues = _all(dev_app, "AWS::SQS::Queue")
    dead_letter = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    assert len(dead_letter) >= 9
    alarms = _alarms_on(dev_app, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    alarmed = {_queue_named(queues, d["QueueName"]) for alarm, d in alarms if alarm["Properties"]["Threshold"] == 0}
    assert dead_letter <= alarmed, dead_letter - alarmed


def test_the_order_workflow_alarms_on_failed_executions(dev_app) -> None:
    # No timed-out alarm: the state machine has no overall timeout (a stage's hard limit ends in Fail), so
    # ExecutionsTimedOut can never be more than zero.
    for metric in ("ExecutionsFailed",):
        [(alarm, dimensions)] = _alarms_on(dev_app, "AWS/States", metric)
        assert "stateMachine:bembos-dev-pedido" in json.dumps(dimensions["StateMachineArn"])
        assert alarm["Properties"]["Threshold"] == 1


def test_the_rest_api_alarms_on_its_5xx_rate(dev_app) -> None:
    [(alarm, dimensions)] = _alarms_on(dev_app, "AWS/ApiGateway", "5XXError")
    assert dimensions == {"ApiName": "bembos-dev-api", "Stage": "dev"}
    [rate] = [q for q in alarm["Properties"]["Metrics"] if q.get("ReturnData", True)]
    assert "errors / requests" in rate["Expression"]  # a rate of the requests, not a count


def test_an_overdue_spike_alarms_on_the_platforms_total_of_every_stage(dev_app) -> None:
    alarms = _alarms_on(dev_app, "bembos/dev", contracts.METRIC_ORDERS_OVERDUE)
    assert {d[contracts.METRIC_STAGE_DIMENSION] for _, d in alarms} == set(contracts.STAGES)
    assert all(set(d) == {contracts.METRIC_STAGE_DIMENSION} for _, d in alarms)  # no tenant: the platform's total
    assert len({json.dumps(alarm) for alarm, _ in alarms}) == 1  # one alarm sums the stages (no SEARCH in alarms)


def test_each_stage_has_one_dashboard_of_orders_stages_functions_queues_workflow_and_api(dev_app, prod_app) -> None:
    for app, prefix in ((dev_app, "bembos-dev"), (prod_app, "bembos-prod")):
        [dashboard] = _all(app, "AWS::CloudWatch::Dashboard").values()
        assert dashboard["Properties"]["DashboardName"] == f"{prefix}-operaciones"
    body = json.dumps(next(iter(_all(dev_app, "AWS::CloudWatch::Dashboard").values()))["Properties"]["DashboardBody"])
    for metric in (
        contracts.METRIC_ORDERS_CREATED,
        contracts.METRIC_ORDERS_PAID,
        contracts.METRIC_ORDERS_DELIVERED,
        contracts.METRIC_ORDERS_CANCELLED,
    ):
        assert f'\\"{metric}\\"' in body, metric
    for state in contracts.STAGES:
        assert f'\\"{contracts.METRIC_STAGE_SECONDS}\\",\\"stage\\",\\"{state}\\"' in body, state
    for name in _platform_functions(dev_app):
        assert f'\\"{name}\\"' in body, name
    for queue in _all(dev_app, "AWS::SQS::Queue").values():
        assert f'\\"{queue["Properties"]["QueueName"]}\\"' in body, queue["Properties"]["QueueName"]
    assert "stateMachine:bembos-dev-pedido" in body
    assert '\\"bembos-dev-api\\"' in body


def test_the_functions_write_their_metrics_in_the_stages_namespace_with_its_tenant_switch(dev_app, prod_app) -> None:
    for app, namespace in ((dev_app, "bembos/dev"), (prod_app, "bembos/prod")):
        for function in _platform_functions(app).values():
            variables = function["Properties"]["Environment"]["Variables"]
            assert variables["POWERTOOLS_METRICS_NAMESPACE"] == namespace
            assert variables["METRICS_TENANT_DIMENSION"] in {"true", "false"}


@pytest.fixture(scope="module")
def entry_points(dev_app) -> dict[str, Any]:
    """Every function's handler, imported as Lambda does."""
    handlers = {f["Properties"]["Handler"] for f in _platform_functions(dev_app).values()}
    return {h: getattr(importlib.import_module(h.rsplit(".", 1)[0]), h.rsplit(".", 1)[1]) for h in handlers}


def _wrappers(handler: Any) -> Iterator[dict[str, Any]]:
    """The closure of each decorator around a handler, outermost first."""
    while handler is not None:
        yield inspect.getclosurevars(handler).nonlocals
        handler = getattr(handler, "__wrapped__", None)


def test_every_function_flushes_its_metrics_and_clears_its_log_keys_on_every_invocation(entry_points) -> None:
    assert len(entry_points) >= 16
    for name, handler in entry_points.items():
        closures = list(_wrappers(handler))
        logging = [c for c in closures if "clear_state" in c]
        flushing = [c for c in closures if "capture_cold_start_metric" in c]
        assert [(c["self"], c["clear_state"]) for c in logging] == [(core_observability.logger, True)], name
        assert [(c["self"], c["capture_cold_start_metric"]) for c in flushing] == [
            (core_observability.metrics.provider, True)
        ], name


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stack_stays_well_below_cloudformations_resource_limit(stage, request) -> None:
    app = request.getfixturevalue(f"{stage}_app")
    counts = {name: len(t["Resources"]) for name, t in _templates(app).items()}
    assert max(counts.values()) <= 0.9 * CLOUDFORMATION_RESOURCE_LIMIT, counts  # room for a release or two
