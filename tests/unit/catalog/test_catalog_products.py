"""/producto: public reads by X-Tenant-Id, admin writes, 86 per location, image uploads."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from catalog_support import BUCKET, TENANT_A, TENANT_B, customer, product_body, staff

ADMIN_A, ADMIN_B = staff(TENANT_A), staff(TENANT_B, location_id="camino-real")


def test_admin_creates_a_product_and_anyone_reads_it_by_tenant(productos, catalog) -> None:
    created = productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    assert created.status == 201
    assert created.body["product_id"] == "clasica"
    assert created.body["sizes"][0] == {"size": "regular", "price_cents": 1290}

    read = productos("GET", "/producto/clasica", tenant=TENANT_A)
    assert read.status == 200
    assert read.body["name"] == "Hamburguesa Clásica"
    assert read.body["image_url"] is None
    assert "tenant_id" not in read.body and "image_key" not in read.body


def test_create_without_an_id_generates_one(productos) -> None:
    created = productos("POST", "/producto", body=product_body(None), principal=ADMIN_A)
    assert created.status == 201
    assert len(created.body["product_id"]) == 36


def test_create_never_overwrites_an_existing_product(productos, catalog) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    again = productos("POST", "/producto", body=product_body(name="Otra"), principal=ADMIN_A)
    assert again.status == 409
    assert again.body["error"] == "product_exists"
    assert catalog.items("productos")[0]["name"]["S"] == "Hamburguesa Clásica"


def test_the_same_id_in_two_tenants_is_two_products(productos) -> None:
    assert productos("POST", "/producto", body=product_body(), principal=ADMIN_A).status == 201
    assert productos("POST", "/producto", body=product_body(name="De B"), principal=ADMIN_B).status == 201
    assert productos("GET", "/producto/clasica", tenant=TENANT_B).body["name"] == "De B"
    assert productos("GET", "/producto/clasica", tenant=TENANT_A).body["name"] == "Hamburguesa Clásica"


def test_list_paginates_with_an_opaque_cursor(productos) -> None:
    for i in range(5):
        productos("POST", "/producto", body=product_body(f"p{i}"), principal=ADMIN_A)
    productos("POST", "/producto", body=product_body("solo-b"), principal=ADMIN_B)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = productos("GET", "/producto", tenant=TENANT_A, query=query)
        assert page.status == 200
        seen += [p["product_id"] for p in page.body["items"]]
        pages += 1
        cursor = page.body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"p{i}" for i in range(5)]
    assert pages == 3


def test_default_page_size_is_20(productos) -> None:
    for i in range(21):
        productos("POST", "/producto", body=product_body(f"p{i:02}"), principal=ADMIN_A)
    page = productos("GET", "/producto", tenant=TENANT_A)
    assert len(page.body["items"]) == 20
    assert page.body["next_cursor"]


@pytest.mark.parametrize("limit", ["0", "101", "veinte"])
def test_limit_outside_1_to_100_is_rejected(productos, limit) -> None:
    assert productos("GET", "/producto", tenant=TENANT_A, query={"limit": limit}).status == 422


def test_a_cursor_of_another_tenant_or_a_forged_one_is_rejected(productos) -> None:
    for i in range(3):
        productos("POST", "/producto", body=product_body(f"p{i}"), principal=ADMIN_B)
    cursor_b = productos("GET", "/producto", tenant=TENANT_B, query={"limit": "1"}).body["next_cursor"]
    assert productos("GET", "/producto", tenant=TENANT_A, query={"cursor": cursor_b}).status == 422
    forged = productos("GET", "/producto", tenant=TENANT_A, query={"cursor": "not-a-cursor!"})
    assert forged.status == 422
    assert forged.body["error"] == "invalid_cursor"


def test_unknown_tenant_missing_header_and_suspended_tenant_are_clear_4xx(productos) -> None:
    unknown = productos("GET", "/producto", tenant="no-existe")
    assert (unknown.status, unknown.body["error"]) == (404, "unknown_tenant")
    missing = productos("GET", "/producto")
    assert (missing.status, missing.body["error"]) == (404, "unknown_tenant")
    assert productos("GET", "/producto", tenant="bembos-cerrado").status == 404
    assert productos("GET", "/producto", tenant="Not A Tenant!").status == 404


def test_get_unknown_product_is_404(productos) -> None:
    response = productos("GET", "/producto/no-existe", tenant=TENANT_A)
    assert (response.status, response.body["error"]) == (404, "product_not_found")


def test_update_replaces_editable_fields(productos) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    body = product_body(None, name="Clásica XL", sizes=[{"size": "xl", "price_cents": 1990}], available=False)
    updated = productos("PUT", "/producto/clasica", body=body, principal=ADMIN_A)
    assert updated.status == 200
    assert updated.body["name"] == "Clásica XL"
    assert updated.body["available"] is False
    assert productos("GET", "/producto/clasica", tenant=TENANT_A).body["sizes"] == [{"size": "xl", "price_cents": 1990}]


def test_update_of_an_unknown_product_is_404_and_creates_nothing(productos, catalog) -> None:
    response = productos("PUT", "/producto/fantasma", body=product_body(None), principal=ADMIN_A)
    assert response.status == 404
    assert catalog.items("productos") == []


def test_tenant_a_admin_cannot_touch_tenant_b_products(productos, catalog, with_locations) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_B)
    before = catalog.snapshot()
    attempts = [
        ("PUT", "/producto/clasica", product_body(None, name="hackeado")),
        ("POST", "/producto/clasica/disponibilidad", {"location_id": "larco", "available": False}),
        ("POST", "/producto/clasica/imagen", {"content_type": "image/png", "content_length": 1000}),
    ]
    for method, path, body in attempts:
        response = productos(method, path, body=body, principal=ADMIN_A)
        assert response.status == 404, (path, response.body)
    # B's location cannot be used by A either.
    productos("POST", "/producto", body=product_body("de-a"), principal=ADMIN_A)
    before = catalog.snapshot()
    cross = productos(
        "POST",
        "/producto/de-a/disponibilidad",
        body={"location_id": "camino-real", "available": False},
        principal=ADMIN_A,
    )
    assert (cross.status, cross.body["error"]) == (404, "location_not_found")
    assert catalog.snapshot() == before


ADMIN_ROUTES = [
    ("POST", "/producto", product_body()),
    ("PUT", "/producto/clasica", product_body(None)),
    ("POST", "/producto/clasica/disponibilidad", {"location_id": "larco", "available": False}),
    ("POST", "/producto/clasica/imagen", {"content_type": "image/png", "content_length": 10}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
@pytest.mark.parametrize("principal", [*(staff(rol=r) for r in ("cocinero", "empaquetador", "repartidor")), customer()])
def test_only_admins_manage_products(productos, catalog, with_locations, method, path, body, principal) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    before = catalog.snapshot()
    response = productos(method, path, body=body, principal=principal)
    assert (response.status, response.body["error"]) == (403, "forbidden")
    assert catalog.snapshot() == before


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_routes_need_a_session(productos, method, path, body) -> None:
    assert productos(method, path, body=body).status == 401


BAD_BODIES = {
    "missing fields": {"name": "Sin precio"},
    "wrong type price": product_body(sizes=[{"size": "regular", "price_cents": "doce"}]),
    "price as string number": product_body(sizes=[{"size": "regular", "price_cents": "1290"}]),
    "fractional price": product_body(sizes=[{"size": "regular", "price_cents": 12.9}]),
    "negative price": product_body(sizes=[{"size": "regular", "price_cents": -1}]),
    "no sizes": product_body(sizes=[]),
    "duplicate sizes": product_body(sizes=[{"size": "r", "price_cents": 1}, {"size": "R", "price_cents": 2}]),
    "available not bool": product_body(available="si"),
    "tenant in body": product_body(tenant_id=TENANT_B),
    "bad id": product_body("Con Espacios"),
    "empty name": product_body(name="   "),
    "not an object": [1, 2, 3],
    "malformed json": '{"name": "Clásica",',
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_create_bodies_are_422_and_write_nothing(productos, catalog, body) -> None:
    response = productos("POST", "/producto", body=body, principal=ADMIN_A)
    assert response.status == 422, response.body
    assert response.body["error"] == "validation_failed"
    assert catalog.items("productos") == []


def test_an_oversized_body_is_413_and_writes_nothing(productos, catalog) -> None:
    import json

    padded = json.dumps(product_body()) + " " * 9_000
    response = productos("POST", "/producto", body=padded, principal=ADMIN_A)
    assert (response.status, response.body["error"]) == (413, "payload_too_large")
    assert catalog.items("productos") == []


def test_bad_update_body_changes_nothing(productos, catalog) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    before = catalog.snapshot()
    response = productos("PUT", "/producto/clasica", body=product_body(None, points=-5), principal=ADMIN_A)
    assert response.status == 422
    assert catalog.snapshot() == before


def test_86_hides_a_product_at_one_location_only(productos, with_locations) -> None:
    productos("POST", "/producto", body=product_body("clasica"), principal=ADMIN_A)
    productos("POST", "/producto", body=product_body("royal"), principal=ADMIN_A)
    productos("POST", "/producto", body=product_body("agotada", available=False), principal=ADMIN_A)

    eighty_six = productos(
        "POST", "/producto/clasica/disponibilidad", body={"location_id": "larco", "available": False}, principal=ADMIN_A
    )
    assert eighty_six.status == 200
    assert eighty_six.body == {"id": "clasica", "location_id": "larco", "available": False}

    def ids(location: str | None) -> list[str]:
        query = {"location_id": location} if location else None
        return sorted(
            p["product_id"] for p in productos("GET", "/producto", tenant=TENANT_A, query=query).body["items"]
        )

    assert ids("larco") == ["royal"]
    assert ids("benavides") == ["clasica", "royal"]
    assert ids(None) == ["agotada", "clasica", "royal"]
    assert productos("GET", "/producto/clasica", tenant=TENANT_A).body["unavailable_at"] == ["larco"]

    back = productos(
        "POST", "/producto/clasica/disponibilidad", body={"location_id": "larco", "available": True}, principal=ADMIN_A
    )
    assert back.status == 200
    assert ids("larco") == ["clasica", "royal"]


def test_86_at_an_unknown_location_is_404(productos, catalog, with_locations) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    before = catalog.snapshot()
    response = productos(
        "POST",
        "/producto/clasica/disponibilidad",
        body={"location_id": "lima-norte", "available": False},
        principal=ADMIN_A,
    )
    assert response.status == 404
    assert catalog.snapshot() == before


def test_image_upload_is_a_presigned_put_limited_to_type_and_size(productos, catalog) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    response = productos(
        "POST",
        "/producto/clasica/imagen",
        body={"content_type": "image/webp", "content_length": 150_000},
        principal=ADMIN_A,
    )
    assert response.status == 200
    upload = response.body
    key = upload["image_key"]
    assert key.startswith(f"tenants/{TENANT_A}/productos/clasica/") and key.endswith(".webp")
    url = urlparse(upload["upload_url"])
    params = parse_qs(url.query)
    assert BUCKET in url.netloc + url.path and url.path.endswith(key)
    assert params["X-Amz-SignedHeaders"] == ["content-length;content-type;host"]
    assert params["X-Amz-Expires"] == ["300"]
    assert upload["method"] == "PUT"
    assert upload["headers"] == {"Content-Type": "image/webp", "Content-Length": "150000"}
    assert catalog.items("productos")[0]["image_key"]["S"] == key

    image_url = urlparse(productos("GET", "/producto/clasica", tenant=TENANT_A).body["image_url"])
    assert image_url.path.endswith(key)
    assert parse_qs(image_url.query)["X-Amz-Expires"] == ["900"]


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "image/gif", "content_length": 100},
        {"content_type": "image/png", "content_length": 2 * 1024 * 1024 + 1},
        {"content_type": "image/png", "content_length": 0},
        {"content_type": "image/png"},
    ],
)
def test_image_upload_refuses_other_types_and_sizes(productos, catalog, body) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    before = catalog.snapshot()
    assert productos("POST", "/producto/clasica/imagen", body=body, principal=ADMIN_A).status == 422
    assert catalog.snapshot() == before


def test_image_upload_for_an_unknown_product_is_404(productos, catalog) -> None:
    response = productos(
        "POST", "/producto/nada/imagen", body={"content_type": "image/png", "content_length": 10}, principal=ADMIN_A
    )
    assert response.status == 404
    assert catalog.items("productos") == []


def test_an_archived_product_leaves_the_menu_for_good_and_only_an_admin_archives(productos, catalog) -> None:
    productos("POST", "/producto", body=product_body(), principal=ADMIN_A)
    productos("POST", "/producto", body=product_body("otra", name="Otra"), principal=ADMIN_A)

    assert productos("DELETE", "/producto/clasica", principal=customer()).status == 403
    assert productos("DELETE", "/producto/clasica", principal=ADMIN_B).status == 404  # another tenant's admin
    archived = productos("DELETE", "/producto/clasica", principal=ADMIN_A)

    assert archived.status == 200 and archived.body["id"] == "clasica" and archived.body["archived_at"]
    listed = productos("GET", "/producto", tenant=TENANT_A)
    assert [p["product_id"] for p in listed.body["items"]] == ["otra"]
    assert productos("GET", "/producto/clasica", tenant=TENANT_A).status == 404
    assert productos("PUT", "/producto/clasica", body=product_body(None), principal=ADMIN_A).status == 404
    assert productos("DELETE", "/producto/clasica", principal=ADMIN_A).status == 404  # once
    assert "archived_at" in catalog.items("productos", TENANT_A)[0]  # kept for what refers to it
