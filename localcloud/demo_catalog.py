"""Demo menu of a tenant: Bembos products and combos with generated PNG images, through the catalog's own logic.

Idempotent: existing products and combos are kept as they are (an admin may have changed them), and
an image is generated only for items that have none. Works against the local cloud and against AWS
(with ``services/`` on ``sys.path``, as ``localcloud.seed`` arranges)::

    seed_catalog(boto3.client("dynamodb"), boto3.client("s3"), {"tenants": ..., "locales": ...,
                 "productos": ..., "combos": ...}, bucket, "bembos-miraflores")
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

from catalogo import logic
from catalogo.dal import CatalogDal, CatalogTableNames, ImageStore, ItemTable
from catalogo.models import ComboCreate, ComboItem, ProductCreate, Size
from core.errors import Conflict

Rgb = tuple[int, int, int]

# (id, name, description, category, sizes [(size, céntimos)], points)
PRODUCTS: list[tuple[str, str, str, str, list[tuple[str, int]], int]] = [
    ("clasica", "Hamburguesa Clásica", "Carne a la parrilla, lechuga, tomate y salsas de la casa.", "hamburguesas",
     [("regular", 1290), ("mediana", 1690), ("grande", 2190)], 13),
    ("queso-tocino", "Hamburguesa Queso Tocino", "Doble queso cheddar y tocino crocante.", "hamburguesas",
     [("regular", 1690), ("mediana", 2090), ("grande", 2590)], 17),
    ("parrillera", "Hamburguesa Parrillera", "Chorizo, queso, huevo y chimichurri.", "hamburguesas",
     [("regular", 1890), ("mediana", 2290), ("grande", 2790)], 19),
    ("bembos-royal", "Hamburguesa Bembos Royal", "Huevo frito, queso y jamón: la de siempre.", "hamburguesas",
     [("regular", 1790), ("mediana", 2190), ("grande", 2690)], 18),
    ("a-lo-pobre", "Hamburguesa a lo Pobre", "Plátano frito, huevo y queso.", "hamburguesas",
     [("regular", 1890), ("mediana", 2290)], 19),
    ("papas-fritas", "Papas Fritas", "Papas amarillas crocantes.", "acompanamientos",
     [("regulares", 690), ("medianas", 890), ("grandes", 1090)], 7),
    ("nuggets", "Nuggets de Pollo", "Con salsa BBQ o golf.", "acompanamientos",
     [("6 unidades", 1190), ("10 unidades", 1690)], 12),
    ("inca-kola", "Inca Kola", "Bien helada.", "bebidas", [("500 ml", 550), ("1 L", 850)], 5),
    ("chicha-morada", "Chicha Morada", "Preparada en casa con maíz morado.", "bebidas",
     [("vaso", 600), ("jarra", 1500)], 6),
    ("sundae", "Sundae", "Helado de vainilla con fudge.", "postres", [("regular", 590)], 6),
    ("pie-manzana", "Pie de Manzana", "Calientito, con canela.", "postres", [("unidad", 690)], 7),
]  # fmt: skip

# (id, name, description, [(product id, quantity)], sizes, points, stock)
COMBOS: list[tuple[str, str, str, list[tuple[str, int]], list[tuple[str, int]], int, int | None]] = [
    ("combo-clasico", "Combo Clásico", "Clásica + papas + Inca Kola.",
     [("clasica", 1), ("papas-fritas", 1), ("inca-kola", 1)], [("mediano", 2290), ("grande", 2790)], 25, None),
    ("combo-royal", "Combo Royal", "Bembos Royal + papas + chicha morada.",
     [("bembos-royal", 1), ("papas-fritas", 1), ("chicha-morada", 1)], [("mediano", 2690), ("grande", 3190)], 29, None),
    ("combo-familiar", "Combo Familiar", "4 hamburguesas, 2 papas grandes, Inca Kola 1 L y 2 sundaes.",
     [("clasica", 2), ("queso-tocino", 2), ("papas-fritas", 2), ("inca-kola", 1), ("sundae", 2)],
     [("familiar", 6990)], 75, 40),
]  # fmt: skip

CATEGORY_COLORS: dict[str, tuple[Rgb, Rgb]] = {
    "hamburguesas": ((11, 61, 145), (244, 164, 64)),
    "acompanamientos": ((255, 209, 0), (214, 40, 40)),
    "bebidas": ((214, 40, 40), (255, 255, 255)),
    "postres": ((120, 60, 30), (250, 235, 215)),
    "combos": ((255, 209, 0), (11, 61, 145)),
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_image(background: Rgb, foreground: Rgb, size: int = 192) -> bytes:
    """A valid RGB PNG: a colored square with a disc (the bun) crossed by a band (the patty)."""
    center, radius = size / 2, size * 0.34
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            dx, dy = x - center, y - center
            inside = dx * dx + dy * dy <= radius * radius
            band = inside and abs(dy) < size * 0.05
            rows.extend(background if band or not inside else foreground)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _sizes(sizes: list[tuple[str, int]]) -> list[Size]:
    return [Size(size=size, price_cents=cents) for size, cents in sizes]


class _Menu:
    """One tenant's menu being seeded: creates what is missing, gives an image to items without one, counts."""

    def __init__(self, dal: CatalogDal, images: ImageStore, tenant_id: str) -> None:
        self.dal = dal
        self.images = images
        self.tenant_id = tenant_id
        self.urls = logic.UrlPolicy()
        self.summary: dict[str, Any] = {
            "productos": {"created": 0, "existing": 0},
            "combos": {"created": 0, "existing": 0},
            "images": 0,
        }

    def add_product(self, body: ProductCreate, product_id: str, category: str) -> None:
        self._count("productos", lambda: logic.create_product(self.dal, None, self.tenant_id, body, self.urls))
        self._image("productos", self.dal.products, product_id, CATEGORY_COLORS[category])

    def add_combo(self, body: ComboCreate, combo_id: str) -> None:
        self._count("combos", lambda: logic.create_combo(self.dal, None, self.tenant_id, body, self.urls))
        self._image("combos", self.dal.combos, combo_id, CATEGORY_COLORS["combos"])

    def _count(self, kind: str, create: Callable[[], object]) -> None:
        try:
            create()
            self.summary[kind]["created"] += 1
        except Conflict:
            self.summary[kind]["existing"] += 1

    def _image(self, kind: str, table: ItemTable[Any], item_id: str, colors: tuple[Rgb, Rgb]) -> None:
        if table.get(self.tenant_id, item_id).image_key is not None:
            return
        key = f"tenants/{self.tenant_id}/{kind}/{item_id}/seed.png"
        self.images.put(key, png_image(*colors), "image/png")
        table.update(self.tenant_id, item_id, set_values={"image_key": key})
        self.summary["images"] += 1


def seed_catalog(
    dynamodb_client: Any, s3_client: Any, table_names: dict[str, str], bucket: str, tenant_id: str
) -> dict[str, Any]:
    """Create the demo menu of ``tenant_id`` (what exists already is left alone); returns a summary."""
    tables = CatalogTableNames(
        locations=table_names["locales"], products=table_names["productos"], combos=table_names["combos"]
    )
    menu = _Menu(CatalogDal(dynamodb_client, tables), ImageStore(s3_client, bucket), tenant_id)
    for product_id, name, description, category, sizes, points in PRODUCTS:
        product = ProductCreate(
            product_id=product_id,
            name=name,
            description=description,
            category=category,
            sizes=_sizes(sizes),
            points=points,
        )
        menu.add_product(product, product_id, category)
    for combo_id, name, description, items, sizes, points, stock in COMBOS:
        combo = ComboCreate(
            combo_id=combo_id,
            name=name,
            description=description,
            items=[ComboItem(product_id=p, quantity=q) for p, q in items],
            sizes=_sizes(sizes),
            points=points,
            stock=stock,
        )
        menu.add_combo(combo, combo_id)
    return menu.summary
