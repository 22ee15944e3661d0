"""Catalog rules without AWS: image keys, model constraints."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from catalogo.logic import image_key
from catalogo.models import ComboFields, ProductCreate


def test_image_keys_live_under_the_tenant_and_kind() -> None:
    key = image_key("bembos-x", "combo", "combo-1", "image/jpeg")
    assert re.fullmatch(r"tenants/bembos-x/combos/combo-1/[0-9a-f]{32}\.jpg", key)
    assert image_key("t", "producto", "p", "image/png") != image_key("t", "producto", "p", "image/png")


def test_prices_are_integer_centimos() -> None:
    product = ProductCreate.model_validate(
        {"name": "Inca Kola", "category": "bebidas", "sizes": [{"size": "500 ml", "price_cents": 550}]}
    )
    assert product.sizes[0].price_cents == 550
    with pytest.raises(ValidationError):
        ProductCreate.model_validate({"name": "x", "category": "bebidas", "sizes": [{"size": "m", "price_cents": 5.5}]})


def test_combo_products_appear_once() -> None:
    with pytest.raises(ValidationError, match="once"):
        ComboFields.model_validate(
            {
                "name": "c",
                "items": [{"product_id": "a"}, {"product_id": "a"}],
                "sizes": [{"size": "m", "price_cents": 1}],
            }
        )
