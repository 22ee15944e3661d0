"""The demo menu: realistic, priced in céntimos, with valid PNG images, and idempotent."""

from __future__ import annotations

import struct
import zlib

from catalog_support import BUCKET, TENANT_A, TENANT_B

from localcloud.demo_catalog import png_image, seed_catalog

TABLES = {"tenants": "tenants", "locales": "locales", "productos": "productos", "combos": "combos"}


def test_png_images_are_valid_png_files() -> None:
    data = png_image((255, 209, 0), (11, 61, 145), size=32)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (kind, length, width, height, depth, color) == (b"IHDR", 13, 32, 32, 8, 2)
    idat_at = data.index(b"IDAT")
    idat_len = struct.unpack(">I", data[idat_at - 4 : idat_at])[0]
    raw = zlib.decompress(data[idat_at + 4 : idat_at + 4 + idat_len])
    assert len(raw) == 32 * (1 + 32 * 3)
    assert data.endswith(b"IEND\xaeB`\x82")


def test_seeding_creates_the_menu_with_images_once(catalog, productos, combos) -> None:
    first = seed_catalog(catalog.dynamodb, catalog.s3, TABLES, BUCKET, TENANT_A)
    assert first["productos"] == {"created": 11, "existing": 0}
    assert first["combos"] == {"created": 3, "existing": 0}
    assert first["images"] == 14

    again = seed_catalog(catalog.dynamodb, catalog.s3, TABLES, BUCKET, TENANT_A)
    assert again == {"productos": {"created": 0, "existing": 11}, "combos": {"created": 0, "existing": 3}, "images": 0}

    page = productos("GET", "/producto", tenant=TENANT_A, query={"limit": "100"}).body
    assert {p["category"] for p in page["items"]} == {"hamburguesas", "acompanamientos", "bebidas", "postres"}
    assert all(isinstance(s["price_cents"], int) for p in page["items"] for s in p["sizes"])
    assert all(p["image_url"] for p in page["items"])
    combo = combos("GET", "/combos/combo-clasico", tenant=TENANT_A).body
    assert [i["product_id"] for i in combo["items"]] == ["clasica", "papas-fritas", "inca-kola"]
    image = catalog.s3.get_object(Bucket=BUCKET, Key=f"tenants/{TENANT_A}/productos/clasica/seed.png")
    assert image["ContentType"] == "image/png"
    assert image["Body"].read().startswith(b"\x89PNG")
    # Another tenant's menu is untouched.
    assert productos("GET", "/producto", tenant=TENANT_B).body["items"] == []
