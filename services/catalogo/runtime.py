"""Settings and collaborators of the catalog functions (products, combos, locations), built on first use and
kept while warm."""

from __future__ import annotations

from typing import Any

from catalogo.dal import CatalogDal, CatalogTableNames, ImageStore
from catalogo.logic import UrlPolicy
from core.runtime import Caches
from core.settings import EnvironmentSettings
from core.tenants import TenantDirectory

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of a catalog function (``stacks/catalog_services.py``); each function is given only
    the tables it uses."""

    tenants_table: str
    locations_table: str
    products_table: str = ""
    combos_table: str = ""
    images_bucket: str = ""
    image_url_ttl_seconds: int = 900
    upload_url_ttl_seconds: int = 300


settings = cached(Settings)  # read from the environment once per container


def dynamodb() -> Any:
    """The functions' DynamoDB client (tests count the calls made through it)."""
    return cached.client("dynamodb")


@cached
def dal() -> CatalogDal:
    current = settings()
    tables = CatalogTableNames(
        locations=current.locations_table,
        products=current.products_table,
        combos=current.combos_table,
    )
    return CatalogDal(dynamodb(), tables)


@cached
def images() -> ImageStore:
    from botocore.config import Config  # ~100 ms of botocore: loaded with the client, by the routes with images

    # SigV4 so the presigned URLs work in every region and carry signed headers.
    client = cached.client("s3", Config(signature_version="s3v4"))
    return ImageStore(client, settings().images_bucket)


@cached
def urls() -> UrlPolicy:
    current = settings()
    return UrlPolicy(image_url_seconds=current.image_url_ttl_seconds, upload_url_seconds=current.upload_url_ttl_seconds)


@cached
def tenants() -> TenantDirectory:
    """Known tenants, cached ~60 s in the warm container (shared with the identity services)."""
    return TenantDirectory(dynamodb(), settings().tenants_table)


def reset() -> None:
    """Forget settings, clients and caches (tests; a new environment)."""
    cached.reset()
