"""The catalog over the local cloud: public menu reads with pagination, admin management, images, "86" and pauses.

New locations are created in San Isidro: Miraflores' locations are asserted elsewhere to be exactly the onboarded ones.
"""

from __future__ import annotations

import pytest
from identity_support import (
    MIRAFLORES,
    SAN_ISIDRO,
    all_pages,
    assert_error,
    call,
    combo_body,
    create,
    location_body,
    location_fields,
    product_body,
    role_token,
    stored,
)

from scripts.order_driver import HTTP

pytestmark = pytest.mark.e2e

SEEDED_PRODUCTS = {
    "clasica", "queso-tocino", "parrillera", "bembos-royal", "a-lo-pobre", "papas-fritas",
    "nuggets", "inca-kola", "chicha-morada", "sundae", "pie-manzana",
}  # fmt: skip
SEEDED_COMBOS = {"combo-clasico", "combo-royal", "combo-familiar"}


# -- public reads -------------------------------------------------------------------------------


def test_products_are_listed_page_by_page_with_limit_and_cursor(cloud) -> None:
    # When the menu is read four products at a time
    first = call(cloud, "GET", "producto", tenant=MIRAFLORES, params={"limit": 4})
    items, pages = all_pages(cloud, "producto", tenant=MIRAFLORES, limit=4)
    # Then the first page holds four and has a cursor, and the pages together hold every product once
    assert first.status_code == 200 and len(first.json()["items"]) == 4 and first.json()["next_cursor"]
    ids = [p["product_id"] for p in items]
    assert len(ids) == len(set(ids))
    assert set(ids) >= SEEDED_PRODUCTS
    assert pages >= 3


def test_a_product_reads_with_its_sizes_prices_and_an_image_url(cloud) -> None:
    # When a seeded product is read without logging in
    response = call(cloud, "GET", "producto/clasica", tenant=MIRAFLORES)
    # Then it has its fields, prices in céntimos and a presigned image URL that serves a PNG
    assert response.status_code == 200, response.text
    product = response.json()
    assert product["name"] == "Hamburguesa Clásica" and product["category"] == "hamburguesas"
    assert {"size": "regular", "price_cents": 1290} in product["sizes"]
    assert product["points"] == 13 and product["available"] is True
    assert "X-Amz-Signature=" in product["image_url"]
    image = HTTP.get(product["image_url"], timeout=10)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_combos_are_listed_page_by_page_and_read_one_by_one(cloud) -> None:
    # When the combos are read one per page, then one of them
    items, pages = all_pages(cloud, "combos", tenant=MIRAFLORES, limit=1)
    combo = call(cloud, "GET", "combos/combo-familiar", tenant=MIRAFLORES)
    # Then every combo comes once and the combo lists its products, sizes, points and stock
    ids = [c["combo_id"] for c in items]
    assert set(ids) >= SEEDED_COMBOS and len(ids) == len(set(ids)) and pages >= 3
    assert combo.status_code == 200, combo.text
    body = combo.json()
    assert {"product_id": "sundae", "quantity": 2} in body["items"]
    assert body["sizes"] == [{"size": "familiar", "price_cents": 6990}]
    assert (body["points"], body["stock"]) == (75, 40)


def test_the_onboarded_locations_are_listed_page_by_page_and_read_one_by_one(cloud) -> None:
    # When the tenant's locations are read one per page, then one of them
    items, pages = all_pages(cloud, "locales", tenant=MIRAFLORES, limit=1)
    larco = call(cloud, "GET", "locales/larco", tenant=MIRAFLORES)
    # Then both onboarded locations come, and a location has its address, dispatch types, position and hours
    assert {"larco", "benavides"} <= {loc["location_id"] for loc in items} and pages >= 2
    assert larco.status_code == 200, larco.text
    body = larco.json()
    assert body["paused"] is False
    assert set(body["dispatch_types"]) <= {"delivery", "pickup"} and body["dispatch_types"]
    assert -90 <= body["lat"] <= 90 and -180 <= body["lng"] <= 180
    assert body["address"] and body["phone"] and body["opening_hours"]


@pytest.mark.parametrize("path", ["producto/no-existe", "combos/no-existe", "locales/no-existe"])
def test_an_unknown_item_is_a_404(cloud, path: str) -> None:
    assert_error(call(cloud, "GET", path, tenant=MIRAFLORES), 404)


# -- admin management ---------------------------------------------------------------------------


def test_admin_creates_and_updates_a_product(cloud) -> None:
    # Given an admin
    admin = role_token(cloud, MIRAFLORES, "admin")
    body = product_body()
    # When it creates a product and then replaces its fields
    created = create(cloud, admin, "producto", body)
    changes = {k: v for k, v in product_body(name="Hamburguesa Nueva", points=20).items() if k != "product_id"}
    updated = call(cloud, "PUT", f"producto/{body['product_id']}", token=admin, json=changes)
    # Then the public read shows the new fields
    assert created["product_id"] == body["product_id"] and created["image_url"] is None
    assert updated.status_code == 200, updated.text
    read = call(cloud, "GET", f"producto/{body['product_id']}", tenant=MIRAFLORES).json()
    assert (read["name"], read["points"], read["sizes"]) == ("Hamburguesa Nueva", 20, changes["sizes"])
    # and the same id cannot be created twice
    assert_error(call(cloud, "POST", "producto", token=admin, json=body), 409)


def test_admin_creates_and_updates_a_combo_of_its_products(cloud) -> None:
    # Given an admin and one of its products
    admin = role_token(cloud, MIRAFLORES, "admin")
    product = create(cloud, admin, "producto", product_body())
    body = combo_body([product["product_id"], "papas-fritas"])
    # When it creates a combo of them and then changes it
    created = create(cloud, admin, "combos", body)
    changes = {k: v for k, v in combo_body(["clasica"], name="Combo Cambiado", stock=3).items() if k != "combo_id"}
    updated = call(cloud, "PUT", f"combos/{body['combo_id']}", token=admin, json=changes)
    # Then the public read shows the change
    assert created["items"] == body["items"]
    assert updated.status_code == 200, updated.text
    read = call(cloud, "GET", f"combos/{body['combo_id']}", tenant=MIRAFLORES).json()
    assert (read["name"], read["stock"], read["items"]) == (
        "Combo Cambiado",
        3,
        [{"product_id": "clasica", "quantity": 1}],
    )


def test_admin_creates_and_updates_a_location(cloud) -> None:
    # Given an admin of San Isidro
    admin = role_token(cloud, SAN_ISIDRO, "admin")
    body = location_body()
    # When it creates a location and then changes its hours and dispatch types
    created = create(cloud, admin, "locales", body)
    changed = {**location_fields(body), "dispatch_types": ["pickup"], "opening_hours": {"dom": "10:00-22:00"}}
    updated = call(cloud, "PUT", f"locales/{body['location_id']}", token=admin, json=changed)
    # Then it is open for orders and the public read shows the change
    assert created["paused"] is False
    assert updated.status_code == 200, updated.text
    read = call(cloud, "GET", f"locales/{body['location_id']}", tenant=SAN_ISIDRO).json()
    assert (read["dispatch_types"], read["opening_hours"]) == (["pickup"], {"dom": "10:00-22:00"})


def test_admin_uploads_a_product_image_through_a_presigned_put_and_clients_read_it(cloud) -> None:
    # Given a product without an image
    admin = role_token(cloud, MIRAFLORES, "admin")
    product = create(cloud, admin, "producto", product_body())
    image = b"\x89PNG\r\n\x1a\n" + b"e2e-image-bytes" * 10
    # When the admin asks for an upload URL and PUTs the bytes with the signed headers
    started = call(
        cloud,
        "POST",
        f"producto/{product['product_id']}/imagen",
        token=admin,
        json={"content_type": "image/png", "content_length": len(image)},
    )
    assert started.status_code == 200, started.text
    upload = started.json()
    assert upload["method"] == "PUT" and upload["headers"]["Content-Type"] == "image/png"
    assert upload["image_key"].startswith(f"tenants/{MIRAFLORES}/productos/{product['product_id']}/")
    put = HTTP.put(upload["upload_url"], headers=upload["headers"], content=image, timeout=10)
    assert put.status_code == 200, put.text
    # Then the product's image URL (presigned GET) serves those bytes
    read = call(cloud, "GET", f"producto/{product['product_id']}", tenant=MIRAFLORES).json()
    served = HTTP.get(read["image_url"], timeout=10)
    assert served.status_code == 200 and served.content == image


@pytest.mark.parametrize(
    "request_body",
    [
        {"content_type": "image/gif", "content_length": 100},
        {"content_type": "image/png", "content_length": 3 * 1024 * 1024},
    ],
    ids=["type not allowed", "too large"],
)
def test_an_image_upload_of_a_wrong_type_or_size_is_refused(cloud, request_body: dict) -> None:
    # Given a product without an image
    admin = role_token(cloud, MIRAFLORES, "admin")
    product = create(cloud, admin, "producto", product_body())
    # When an upload of a type or size out of the limits is asked for
    response = call(cloud, "POST", f"producto/{product['product_id']}/imagen", token=admin, json=request_body)
    # Then it is refused and the product keeps no image
    assert_error(response, 422)
    assert "image_key" not in stored(cloud, "productos", MIRAFLORES, product["product_id"])


def test_a_product_86ed_at_a_location_disappears_from_that_locations_menu_only(cloud) -> None:
    # Given a new product, listed at Larco
    admin = role_token(cloud, MIRAFLORES, "admin")
    product_id = create(cloud, admin, "producto", product_body())["product_id"]

    def listed_at(location: str | None) -> bool:
        params = {"limit": 5, **({"location_id": location} if location else {})}
        items, _ = all_pages(cloud, "producto", tenant=MIRAFLORES, **params)
        return product_id in {p["product_id"] for p in items}

    assert listed_at("larco")
    # When the admin marks it unavailable at Larco
    off = call(
        cloud,
        "POST",
        f"producto/{product_id}/disponibilidad",
        token=admin,
        json={"location_id": "larco", "available": False},
    )
    # Then it is gone from Larco's menu, but still on Benavides' and on the whole menu, marked for Larco
    assert off.status_code == 200 and off.json() == {"id": product_id, "location_id": "larco", "available": False}
    assert not listed_at("larco")
    assert listed_at("benavides") and listed_at(None)
    assert call(cloud, "GET", f"producto/{product_id}", tenant=MIRAFLORES).json()["unavailable_at"] == ["larco"]
    # When it is available again, it is back at Larco
    on = call(
        cloud,
        "POST",
        f"producto/{product_id}/disponibilidad",
        token=admin,
        json={"location_id": "larco", "available": True},
    )
    assert on.status_code == 200
    assert listed_at("larco")


def test_a_combo_86ed_at_a_location_disappears_from_that_locations_combos(cloud) -> None:
    # Given a new combo
    admin = role_token(cloud, MIRAFLORES, "admin")
    combo_id = create(cloud, admin, "combos", combo_body(["clasica"]))["combo_id"]
    # When the admin marks it unavailable at Benavides
    off = call(
        cloud,
        "POST",
        f"combos/{combo_id}/disponibilidad",
        token=admin,
        json={"location_id": "benavides", "available": False},
    )
    # Then Benavides' combos do not list it while Larco's do
    assert off.status_code == 200, off.text
    at_benavides, _ = all_pages(cloud, "combos", tenant=MIRAFLORES, limit=10, location_id="benavides")
    at_larco, _ = all_pages(cloud, "combos", tenant=MIRAFLORES, limit=10, location_id="larco")
    assert combo_id not in {c["combo_id"] for c in at_benavides}
    assert combo_id in {c["combo_id"] for c in at_larco}


def test_86_at_a_location_the_tenant_does_not_have_is_a_404(cloud) -> None:
    admin = role_token(cloud, MIRAFLORES, "admin")
    product_id = create(cloud, admin, "producto", product_body())["product_id"]
    response = call(
        cloud,
        "POST",
        f"producto/{product_id}/disponibilidad",
        token=admin,
        json={"location_id": "no-existe", "available": False},
    )
    assert_error(response, 404)
    assert "unavailable_at" not in stored(cloud, "productos", MIRAFLORES, product_id)


def test_admin_pauses_and_resumes_online_orders_at_a_location(cloud) -> None:
    # Given an open location
    admin = role_token(cloud, SAN_ISIDRO, "admin")
    location_id = create(cloud, admin, "locales", location_body())["location_id"]
    # When the admin pauses it
    paused = call(cloud, "POST", f"locales/{location_id}/pausa", token=admin, json={"paused": True})
    # Then clients read it as paused
    assert paused.status_code == 200 and paused.json()["paused"] is True
    assert call(cloud, "GET", f"locales/{location_id}", tenant=SAN_ISIDRO).json()["paused"] is True
    # When it resumes, clients read it as open again
    resumed = call(cloud, "POST", f"locales/{location_id}/pausa", token=admin, json={"paused": False})
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
    assert call(cloud, "GET", f"locales/{location_id}", tenant=SAN_ISIDRO).json()["paused"] is False


def test_an_onboarded_location_can_be_paused_and_resumed(cloud) -> None:
    # Given the location written by tenant onboarding (no timestamps of its own)
    admin = role_token(cloud, SAN_ISIDRO, "admin")
    try:
        # When the admin pauses it
        paused = call(cloud, "POST", "locales/camino-real/pausa", token=admin, json={"paused": True})
        # Then the pause is answered and stored
        assert paused.status_code == 200, paused.text
        assert stored(cloud, "locales", SAN_ISIDRO, "camino-real")["paused"]["BOOL"] is True
    finally:
        resumed = call(cloud, "POST", "locales/camino-real/pausa", token=admin, json={"paused": False})
    assert resumed.status_code == 200, resumed.text
    assert call(cloud, "GET", "locales/camino-real", tenant=SAN_ISIDRO).json()["paused"] is False


# -- bad input ----------------------------------------------------------------------------------


def _without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


BAD_CREATES = {
    "product without sizes": ("producto", _without(product_body(), "sizes"), 422),
    "product price as text": ("producto", product_body(sizes=[{"size": "u", "price_cents": "15.00"}]), 422),
    "product price as float": ("producto", product_body(sizes=[{"size": "u", "price_cents": 15.5}]), 422),
    "product negative points": ("producto", product_body(points=-1), 422),
    "product with a tenant_id": ("producto", product_body(tenant_id=SAN_ISIDRO), 422),
    "product oversized": ("producto", product_body(description="x" * 9000), 413),
    "combo without items": ("combos", _without(combo_body(["clasica"]), "items"), 422),
    "combo of unknown products": ("combos", combo_body(["no-existe"]), 422),
    "combo stock of wrong type": ("combos", combo_body(["clasica"], stock="mucho"), 422),
    "combo oversized": ("combos", combo_body(["clasica"], description="x" * 9000), 413),
    "location without address": ("locales", _without(location_body(), "address"), 422),
    "location latitude out of range": ("locales", location_body(lat=123.0), 422),
    "location unknown dispatch type": ("locales", location_body(dispatch_types=["dron"]), 422),
    "location bad hours": ("locales", location_body(opening_hours={"lun": "todo el dia"}), 422),
    "location oversized": ("locales", location_body(name="x" * 9000), 413),
}
_ID_FIELD = {
    "producto": ("productos", "product_id"),
    "combos": ("combos", "combo_id"),
    "locales": ("locales", "location_id"),
}


@pytest.mark.parametrize("case", BAD_CREATES, ids=list(BAD_CREATES))
def test_catalog_creates_with_bad_input_are_a_clear_4xx_and_write_nothing(cloud, case: str) -> None:
    path, body, status = BAD_CREATES[case]
    admin = role_token(cloud, SAN_ISIDRO, "admin")
    # When the admin sends the bad create
    response = call(cloud, "POST", path, token=admin, json=body)
    # Then it is refused with the platform's error shape and nothing is stored
    assert_error(response, status)
    table, key = _ID_FIELD[path]
    assert stored(cloud, table, SAN_ISIDRO, body[key]) is None


@pytest.mark.parametrize("path", ["producto", "combos", "locales"])
def test_catalog_writes_with_malformed_json_are_a_422(cloud, path: str) -> None:
    admin = role_token(cloud, SAN_ISIDRO, "admin")
    assert_error(call(cloud, "POST", path, token=admin, content=b'{"name": "Hamburguesa",'), 422, "validation_failed")


def test_catalog_updates_with_bad_input_change_nothing(cloud) -> None:
    # Given a product, a combo and a location
    admin = role_token(cloud, SAN_ISIDRO, "admin")
    product = product_body()
    create(cloud, admin, "producto", product)
    combo = combo_body([product["product_id"]])
    create(cloud, admin, "combos", combo)
    location = location_body()
    create(cloud, admin, "locales", location)
    before = [
        stored(cloud, "productos", SAN_ISIDRO, product["product_id"]),
        stored(cloud, "combos", SAN_ISIDRO, combo["combo_id"]),
        stored(cloud, "locales", SAN_ISIDRO, location["location_id"]),
    ]
    # When bad updates are sent to each of them
    responses = [
        call(
            cloud,
            "PUT",
            f"producto/{product['product_id']}",
            token=admin,
            json={"name": "Sin tamaños", "category": "x"},
        ),
        call(
            cloud,
            "PUT",
            f"combos/{combo['combo_id']}",
            token=admin,
            json={**_without(combo, "combo_id"), "points": "diez"},
        ),
        call(cloud, "PUT", f"locales/{location['location_id']}", token=admin, json=location),  # the id is not editable
        call(cloud, "POST", f"locales/{location['location_id']}/pausa", token=admin, json={"paused": "yes"}),
        call(cloud, "POST", f"producto/{product['product_id']}/disponibilidad", token=admin, json={"available": False}),
        call(cloud, "POST", f"combos/{combo['combo_id']}/imagen", token=admin, json={"content_type": "image/png"}),
        call(cloud, "POST", f"combos/{combo['combo_id']}/disponibilidad", token=admin, content=b"{available"),
        call(
            cloud,
            "PUT",
            f"producto/{product['product_id']}",
            token=admin,
            json={**_without(product, "product_id"), "description": "x" * 9000},
        ),
    ]
    # Then each is a clear 4xx and nothing changed
    assert [r.status_code for r in responses] == [422, 422, 422, 422, 422, 422, 422, 413]
    for response in responses:
        assert_error(response, response.status_code)
    assert before == [
        stored(cloud, "productos", SAN_ISIDRO, product["product_id"]),
        stored(cloud, "combos", SAN_ISIDRO, combo["combo_id"]),
        stored(cloud, "locales", SAN_ISIDRO, location["location_id"]),
    ]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "diez"}, {"cursor": "no-es-un-cursor"}, {"location_id": "NO VALE"}],
    ids=["limit 0", "limit 101", "limit not a number", "forged cursor", "bad location id"],
)
def test_menu_reads_with_bad_query_parameters_are_a_422(cloud, params: dict) -> None:
    assert_error(call(cloud, "GET", "producto", tenant=MIRAFLORES, params=params), 422)


def test_a_cursor_of_another_tenant_is_refused(cloud) -> None:
    # Given a cursor of San Isidro's menu
    cursor = call(cloud, "GET", "producto", tenant=SAN_ISIDRO, params={"limit": 2}).json()["next_cursor"]
    # When it is used to page Miraflores' menu
    response = call(cloud, "GET", "producto", tenant=MIRAFLORES, params={"limit": 2, "cursor": cursor})
    # Then it is refused
    assert_error(response, 422, "invalid_cursor")


@pytest.mark.parametrize(
    "path", ["producto", "producto/clasica", "combos", "combos/combo-clasico", "locales", "locales/larco"]
)
@pytest.mark.parametrize(
    "tenant", [None, "no-existe", "NO VALE"], ids=["no header", "unknown tenant", "malformed tenant"]
)
def test_menu_reads_without_a_known_tenant_are_a_404(cloud, path: str, tenant: str | None) -> None:
    assert_error(call(cloud, "GET", path, tenant=tenant), 404, "unknown_tenant")
