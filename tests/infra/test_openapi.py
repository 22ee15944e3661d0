"""The OpenAPI document comes from the typed routes, and says exactly what API Gateway routes."""

from __future__ import annotations

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
