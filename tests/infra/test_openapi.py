"""The OpenAPI document comes from the typed routes, and says exactly what API Gateway routes."""

from __future__ import annotations

import pytest

from localcloud.openapi import merge, operations, schemas_of


def test_each_microservice_documents_exactly_the_routes_it_is_wired_to(dev_app) -> None:
    services = dev_app.platform.api.microservices
    modules = {name: service.handler.rsplit(".", 1)[0] for name, service in services.items()}
    schemas = schemas_of(sorted(set(modules.values())))
    for name, service in services.items():
        documented = operations(schemas[modules[name]])
        wired = {(route.method, route.path) for route in service.routes}
        assert documented == wired, f"{name}: only documented {documented - wired}, only wired {wired - documented}"


def test_merged_document_is_valid_openapi(dev_app) -> None:
    from openapi_spec_validator import validate

    modules = sorted({s.handler.rsplit(".", 1)[0] for s in dev_app.platform.api.microservices.values()})
    document = merge(schemas_of(modules), title="Bembos API", version="test")
    validate(document)
    assert ("GET", "/health") in operations(document)


def test_two_services_cannot_give_one_schema_name_two_meanings() -> None:
    # (usuarios' and empleados' Deactivated were both "Deactivated": the merged document described DELETE /perfil's
    # answer with the employee's model, so the docs and the fuzzer's response checks read the wrong one)
    same = {"type": "object", "properties": {"status": {"type": "string"}}}
    alike = {
        "a.handler": {"components": {"schemas": {"Gone": same}}},
        "b.handler": {"components": {"schemas": {"Gone": same}}},
    }
    assert merge(alike, title="t", version="1")["components"]["schemas"]["Gone"] == same
    other = {"type": "object", "properties": {"employee_id": {"type": "string"}}}
    clash = {
        "a.handler": {"components": {"schemas": {"Gone": same}}},
        "b.handler": {"components": {"schemas": {"Gone": other}}},
    }
    with pytest.raises(ValueError, match="'Gone'"):
        merge(clash, title="t", version="1")
