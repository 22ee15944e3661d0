"""AWS calls per route, measured on the functions' own clients (presigning makes none)."""

from __future__ import annotations

from catalog_support import TENANT_A, combo_body, product_body, staff

ADMIN = staff(TENANT_A)


def test_aws_calls_per_route(productos, combos, locales, catalog, with_locations) -> None:
    measured: dict[str, list[str]] = {}

    def measure(name: str, invoke, *args, **kwargs) -> None:
        catalog.calls.clear()
        response = invoke(*args, **kwargs)
        assert response.status < 300, (name, response.body)
        measured[name] = list(catalog.calls)

    from catalogo import runtime

    runtime.tenants.cache_clear()  # a new container: no tenant known yet
    measure("GET /producto (cold tenant cache)", productos, "GET", "/producto", tenant=TENANT_A)
    measure("GET /producto (warm)", productos, "GET", "/producto", tenant=TENANT_A)
    measure("POST /producto", productos, "POST", "/producto", body=product_body(), principal=ADMIN)
    measure("GET /producto/{id}", productos, "GET", "/producto/clasica", tenant=TENANT_A)
    measure("PUT /producto/{id}", productos, "PUT", "/producto/clasica", body=product_body(None), principal=ADMIN)
    measure("POST /producto/{id}/disponibilidad", productos, "POST", "/producto/clasica/disponibilidad",
            body={"location_id": "larco", "available": False}, principal=ADMIN)  # fmt: skip
    measure("POST /producto/{id}/imagen", productos, "POST", "/producto/clasica/imagen",
            body={"content_type": "image/png", "content_length": 10}, principal=ADMIN)  # fmt: skip
    measure("POST /combos", combos, "POST", "/combos", body=combo_body(), principal=ADMIN)
    measure("PUT /combos/{id}", combos, "PUT", "/combos/combo-clasico", body=combo_body(None), principal=ADMIN)
    measure("GET /combos", combos, "GET", "/combos", tenant=TENANT_A, query={"location_id": "larco"})
    measure("GET /locales/{id}", locales, "GET", "/locales/larco", tenant=TENANT_A)
    measure("POST /locales/{id}/pausa", locales, "POST", "/locales/larco/pausa", body={"paused": True}, principal=ADMIN)
    measure("DELETE /combos/{id}", combos, "DELETE", "/combos/combo-clasico", principal=ADMIN)
    measure("DELETE /producto/{id}", productos, "DELETE", "/producto/clasica", principal=ADMIN)

    assert measured == {
        "GET /producto (cold tenant cache)": ["GetItem", "Query"],
        "GET /producto (warm)": ["Query"],
        "POST /producto": ["PutItem"],
        "GET /producto/{id}": ["GetItem"],
        "PUT /producto/{id}": ["UpdateItem"],
        "POST /producto/{id}/disponibilidad": ["GetItem", "UpdateItem"],
        "POST /producto/{id}/imagen": ["UpdateItem"],
        "POST /combos": ["BatchGetItem", "PutItem"],
        "PUT /combos/{id}": ["BatchGetItem", "UpdateItem"],
        "GET /combos": ["Query"],
        "GET /locales/{id}": ["GetItem"],
        "POST /locales/{id}/pausa": ["UpdateItem"],
        "DELETE /combos/{id}": ["UpdateItem"],
        "DELETE /producto/{id}": ["UpdateItem"],
    }
