"""The catalog microservices: products, combos and locations (public reads, admin writes).

Each function gets explicit statements: the exact actions it calls on the exact tables, and the
images bucket only under its own prefix (``tenants/*/productos/*`` or ``tenants/*/combos/*``).
"""

from __future__ import annotations

from constructs import Construct
from constructs.grants import allow
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.nag import acknowledge

from stacks.data import DataStack

READ_WRITE = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"]


def _sellable_routes(path: str, id_name: str) -> list[Route]:
    """The routes of a sellable (product, combo); ``id_name`` is the handler's path parameter."""
    item = f"{path}/{{{id_name}}}"
    return [
        Route("GET", path, public=True),
        Route("GET", item, public=True),
        Route("POST", path),
        Route("PUT", item),
        Route("DELETE", item),  # archive: off the menu for good, past orders keep their lines
        Route("POST", f"{item}/disponibilidad"),
        Route("POST", f"{item}/imagen"),
    ]


class CatalogServices:
    """``/producto``, ``/combos``, ``/locales``: one function each."""

    def __init__(self, scope: Construct, *, endpoint: RestEndpoint, data: DataStack) -> None:
        self.scope, self.endpoint, self.data = scope, endpoint, data
        self.base_env = {"TENANTS_TABLE": data.tenants.table_name, "LOCATIONS_TABLE": data.locations.table_name}
        # The images bucket's ARN through an export with a stable name, so the nag finding id is stable too.
        self.images_export = f"{endpoint.stage.prefix}-images-bucket-arn"
        self.images_arn = data.export_value(data.images.bucket_arn, name=self.images_export)
        products = {"PRODUCTS_TABLE": data.products.table_name}
        self.productos = self._sellable("productos", "/producto", "product_id", products)
        allow(self.productos.role, READ_WRITE, [data.products.table_arn])
        combos = {"COMBOS_TABLE": data.combos.table_name, **products}
        self.combos = self._sellable("combos", "/combos", "combo_id", combos)
        allow(self.combos.role, ["dynamodb:BatchGetItem"], [data.products.table_arn])  # a combo's products exist
        allow(self.combos.role, READ_WRITE, [data.combos.table_arn])
        self.locales = self._locations()

    def _sellable(self, name: str, path: str, id_name: str, tables: dict[str, str]) -> Microservice:
        data = self.data
        service = Microservice(
            self.scope,
            name.capitalize(),
            endpoint=self.endpoint,
            service=name,
            handler=f"{name}.handler.lambda_handler",
            routes=_sellable_routes(path, id_name),
            environment={**self.base_env, **tables, "IMAGES_BUCKET": data.images.bucket_name},
        )
        allow(service.role, ["dynamodb:GetItem"], [data.tenants.table_arn, data.locations.table_arn])
        self._image_prefix_access(service, name)
        return service

    def _image_prefix_access(self, service: Microservice, folder: str) -> None:
        """Presigned GETs and PUTs are signed with the function's role: it may read and write only its prefix."""
        prefix = f"tenants/*/{folder}/*"
        allow(service.role, ["s3:GetObject", "s3:PutObject"], [f"{self.images_arn}/{prefix}"])
        acknowledge(
            service.role,
            f"AwsSolutions-IAM5[Resource::{self.images_export}/{prefix}]",
            f"Image keys are tenants/<tenant>/{folder}/<id>/<uuid>.<ext>, created at run time; the statement is "
            f"limited to the {folder} images of the menu bucket (presigned GET for clients, PUT for admins).",
        )

    def _locations(self) -> Microservice:
        locales = Microservice(
            self.scope,
            "Locales",
            endpoint=self.endpoint,
            service="locales",
            handler="locales.handler.lambda_handler",
            routes=[
                Route("GET", "/locales", public=True),
                Route("GET", "/locales/{location_id}", public=True),
                Route("POST", "/locales"),
                Route("PUT", "/locales/{location_id}"),
                Route("POST", "/locales/{location_id}/pausa"),
            ],
            environment=self.base_env,
        )
        allow(locales.role, ["dynamodb:GetItem"], [self.data.tenants.table_arn])
        allow(locales.role, READ_WRITE, [self.data.locations.table_arn])
        return locales
