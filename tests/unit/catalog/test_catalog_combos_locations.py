"""/combos and /locales: the same rules as products, plus combo products and pausing a location."""

from __future__ import annotations

import pytest
from catalog_support import LOCATION_BODY, TENANT_A, TENANT_B, combo_body, customer, product_body, staff

ADMIN_A, ADMIN_B = staff(TENANT_A), staff(TENANT_B, location_id="camino-real")


@pytest.fixture
def products(productos) -> None:
    for tenant, product_id in ((TENANT_A, "clasica"), (TENANT_A, "papas"), (TENANT_B, "solo-b")):
        assert productos("POST", "/producto", body=product_body(product_id), principal=staff(tenant)).status == 201


def test_admin_creates_a_combo_of_existing_products(combos, products) -> None:
    created = combos("POST", "/combos", body=combo_body(products=("clasica", "papas")), principal=ADMIN_A)
    assert created.status == 201, created.body
    assert [i["product_id"] for i in created.body["items"]] == ["clasica", "papas"]
    read = combos("GET", "/combos/combo-clasico", tenant=TENANT_A)
    assert (read.status, read.body["stock"], read.body["sizes"][0]["price_cents"]) == (200, 50, 2290)


@pytest.mark.parametrize("missing", ["no-existe", "solo-b"])  # unknown, or a product of another tenant
def test_a_combo_with_products_the_tenant_lacks_is_422_and_not_written(combos, catalog, products, missing) -> None:
    response = combos("POST", "/combos", body=combo_body(products=("clasica", missing)), principal=ADMIN_A)
    assert (response.status, response.body["error"]) == (422, "unknown_products")
    assert missing in response.body["message"]
    assert catalog.items("combos") == []


def test_combo_create_is_conditional_and_update_checks_products(combos, catalog, products) -> None:
    combos("POST", "/combos", body=combo_body(), principal=ADMIN_A)
    assert combos("POST", "/combos", body=combo_body(name="Otro"), principal=ADMIN_A).status == 409
    before = catalog.snapshot()
    bad = combos("PUT", "/combos/combo-clasico", body=combo_body(None, products=("fantasma",)), principal=ADMIN_A)
    assert bad.status == 422
    assert catalog.snapshot() == before
    good = combos("PUT", "/combos/combo-clasico", body=combo_body(None, stock=None, name="Nuevo"), principal=ADMIN_A)
    assert (good.status, good.body["name"], good.body["stock"]) == (200, "Nuevo", None)


@pytest.mark.parametrize(
    "body",
    [
        combo_body(items=[]),
        combo_body(items=[{"product_id": "clasica", "quantity": 0}]),
        combo_body(items=[{"product_id": "clasica"}, {"product_id": "clasica"}]),
        combo_body(stock=-1),
        combo_body(sizes=[{"size": "m", "price_cents": -100}]),
        "[",
    ],
)
def test_bad_combo_bodies_are_422_and_write_nothing(combos, catalog, products, body) -> None:
    assert combos("POST", "/combos", body=body, principal=ADMIN_A).status == 422
    assert catalog.items("combos") == []


def test_combo_list_paginates_and_filters_by_location(combos, products, with_locations) -> None:
    for i in range(3):
        combos("POST", "/combos", body=combo_body(f"c{i}"), principal=ADMIN_A)
    off = combos(
        "POST", "/combos/c1/disponibilidad", body={"location_id": "larco", "available": False}, principal=ADMIN_A
    )
    assert off.status == 200
    first = combos("GET", "/combos", tenant=TENANT_A, query={"limit": "2"})
    second = combos("GET", "/combos", tenant=TENANT_A, query={"limit": "2", "cursor": first.body["next_cursor"]})
    assert len(first.body["items"]) == 2 and len(second.body["items"]) == 1
    at_larco = combos("GET", "/combos", tenant=TENANT_A, query={"location_id": "larco"})
    assert sorted(c["combo_id"] for c in at_larco.body["items"]) == ["c0", "c2"]


def test_combo_image_upload_uses_the_combos_prefix(combos, products) -> None:
    combos("POST", "/combos", body=combo_body(), principal=ADMIN_A)
    upload = combos(
        "POST",
        "/combos/combo-clasico/imagen",
        body={"content_type": "image/jpeg", "content_length": 5},
        principal=ADMIN_A,
    )
    assert upload.status == 200
    assert upload.body["image_key"].startswith(f"tenants/{TENANT_A}/combos/combo-clasico/")
    assert upload.body["image_key"].endswith(".jpg")


def test_tenant_a_cannot_touch_tenant_b_combos(combos, catalog, productos, with_locations) -> None:
    productos("POST", "/producto", body=product_body("clasica"), principal=ADMIN_B)
    productos("POST", "/producto", body=product_body("clasica"), principal=ADMIN_A)
    combos("POST", "/combos", body=combo_body(), principal=ADMIN_B)
    before = catalog.snapshot()
    for method, path, body in [
        ("PUT", "/combos/combo-clasico", combo_body(None)),
        ("POST", "/combos/combo-clasico/disponibilidad", {"location_id": "larco", "available": False}),
        ("POST", "/combos/combo-clasico/imagen", {"content_type": "image/png", "content_length": 10}),
    ]:
        assert combos(method, path, body=body, principal=ADMIN_A).status == 404, path
    assert catalog.snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/combos", combo_body()),
        ("PUT", "/combos/combo-clasico", combo_body(None)),
        ("POST", "/combos/combo-clasico/disponibilidad", {"location_id": "larco", "available": False}),
        ("POST", "/combos/combo-clasico/imagen", {"content_type": "image/png", "content_length": 10}),
    ],
)
@pytest.mark.parametrize("principal", [*(staff(rol=r) for r in ("cocinero", "empaquetador", "repartidor")), customer()])
def test_only_admins_manage_combos(combos, catalog, method, path, body, principal) -> None:
    before = catalog.snapshot()
    assert combos(method, path, body=body, principal=principal).status == 403
    assert catalog.snapshot() == before


def test_combos_unknown_tenant_is_404(combos) -> None:
    assert combos("GET", "/combos", tenant="nadie").status == 404
    assert combos("GET", "/combos/x", tenant="nadie").status == 404


# -- /locales -----------------------------------------------------------------------------------------


def test_locations_are_listed_paginated_and_read_publicly(locales, with_locations) -> None:
    first = locales("GET", "/locales", tenant=TENANT_A, query={"limit": "1"})
    second = locales("GET", "/locales", tenant=TENANT_A, query={"limit": "1", "cursor": first.body["next_cursor"]})
    ids = [first.body["items"][0]["location_id"], second.body["items"][0]["location_id"]]
    assert sorted(ids) == ["benavides", "larco"]
    larco = locales("GET", "/locales/larco", tenant=TENANT_A).body
    assert larco["dispatch_types"] == ["delivery", "pickup"]
    assert (larco["lat"], larco["lng"], larco["paused"]) == (-12.1219, -77.0297, False)
    assert larco["opening_hours"] == {"lun": "11:00-23:00", "sab": "11:00-24:00"}
    assert locales("GET", "/locales/camino-real", tenant=TENANT_A).status == 404
    assert locales("GET", "/locales", tenant="nadie").status == 404


def test_pause_and_resume_online_orders(locales, with_locations) -> None:
    paused = locales("POST", "/locales/larco/pausa", body={"paused": True}, principal=ADMIN_A)
    assert (paused.status, paused.body["paused"]) == (200, True)
    assert locales("GET", "/locales/larco", tenant=TENANT_A).body["paused"] is True
    resumed = locales("POST", "/locales/larco/pausa", body={"paused": False}, principal=ADMIN_A)
    assert resumed.body["paused"] is False


def test_location_update_and_conflict(locales, with_locations) -> None:
    body = {**LOCATION_BODY, "dispatch_types": ["pickup"], "phone": "+51 1 4450000"}
    updated = locales("PUT", "/locales/larco", body=body, principal=ADMIN_A)
    assert (updated.status, updated.body["dispatch_types"]) == (200, ["pickup"])
    assert locales("POST", "/locales", body={**LOCATION_BODY, "location_id": "larco"}, principal=ADMIN_A).status == 409


@pytest.mark.parametrize(
    "changes",
    [{"lat": 200}, {"lat": "norte"}, {"lng": False},
     {"dispatch_types": ["drone"]}, {"dispatch_types": []}, {"phone": "llámame"},
     {"opening_hours": {"lun": "todo el día"}}, {"opening_hours": {"feriado": "11:00-23:00"}}, {"paused": True}],
)  # fmt: skip
def test_bad_location_bodies_are_422_and_write_nothing(locales, catalog, changes) -> None:
    response = locales("POST", "/locales", body={**LOCATION_BODY, "location_id": "nuevo", **changes}, principal=ADMIN_A)
    assert response.status == 422
    assert catalog.items("locales") == []


def test_coordinates_are_stored_to_the_centimetre_so_a_tiny_float_is_not_a_server_error(locales, catalog) -> None:
    # Found by the fuzzer: 8.36e-161 is a valid float but below the smallest number DynamoDB stores.
    body = {**LOCATION_BODY, "location_id": "nuevo", "lat": -12.12345678912, "lng": 8.363365406759297e-161}
    response = locales("POST", "/locales", body=body, principal=ADMIN_A)
    assert response.status == 201, response.body
    assert (response.body["lat"], response.body["lng"]) == (-12.1234568, 0.0)
    assert [(i["lat"], i["lng"]) for i in catalog.items("locales")] == [({"N": "-12.1234568"}, {"N": "0.0"})]


def test_tenant_a_cannot_change_or_pause_tenant_b_locations(locales, catalog, with_locations) -> None:
    before = catalog.snapshot()
    assert locales("POST", "/locales/camino-real/pausa", body={"paused": True}, principal=ADMIN_A).status == 404
    assert locales("PUT", "/locales/camino-real", body=LOCATION_BODY, principal=ADMIN_A).status == 404
    assert catalog.snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/locales", LOCATION_BODY),
        ("PUT", "/locales/larco", LOCATION_BODY),
        ("POST", "/locales/larco/pausa", {"paused": True}),
    ],
)
@pytest.mark.parametrize("principal", [*(staff(rol=r) for r in ("cocinero", "empaquetador", "repartidor")), customer()])
def test_only_admins_manage_locations(locales, catalog, with_locations, method, path, body, principal) -> None:
    before = catalog.snapshot()
    assert locales(method, path, body=body, principal=principal).status == 403
    assert catalog.snapshot() == before
