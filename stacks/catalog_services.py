"""The catalog microservices (products, combos, locations) and the email notifier, added to the ApiStack.

Each function gets explicit statements: the exact actions it calls on the exact tables, and the
images bucket only under its own prefix (``tenants/*/productos/*`` or ``tenants/*/combos/*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs.grants import allow
from constructs.microservice import Microservice, Route
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

if TYPE_CHECKING:  # the ApiStack calls these from its __init__
    from stacks.api import ApiStack

DEFAULT_MAIL_FROM = "Bembos <notificaciones@bembos.com.pe>"


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


def _images_bucket_arn(api: ApiStack) -> tuple[str, str]:
    """The images bucket's ARN through an export with a stable name, so the nag finding id is stable too."""
    name = f"{api.stage.prefix}-images-bucket-arn"
    return api.data.export_value(api.data.images.bucket_arn, name=name), name


def _image_prefix_access(service: Microservice, bucket_arn: tuple[str, str], folder: str) -> None:
    """Presigned GETs and PUTs are signed with the function's role: it may read and write only its prefix."""
    arn, export_name = bucket_arn
    prefix = f"tenants/*/{folder}/*"
    allow(service.role, ["s3:GetObject", "s3:PutObject"], [f"{arn}/{prefix}"])
    acknowledge(
        service.role,
        f"AwsSolutions-IAM5[Resource::{export_name}/{prefix}]",
        f"Image keys are tenants/<tenant>/{folder}/<id>/<uuid>.<ext>, created at run time; the statement is "
        f"limited to the {folder} images of the menu bucket (presigned GET for clients, PUT for admins).",
    )


def add_catalog_services(api: ApiStack) -> None:
    """``/producto``, ``/combos``, ``/locales``: one function each, public reads, admin writes."""
    data = api.data
    base_env = {"TENANTS_TABLE": data.tenants.table_name, "LOCATIONS_TABLE": data.locations.table_name}
    read_write = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    images_arn = _images_bucket_arn(api)

    productos = api.add_microservice(
        "productos",
        handler="productos.handler.lambda_handler",
        routes=_sellable_routes("/producto", "product_id"),
        environment={**base_env, "PRODUCTS_TABLE": data.products.table_name, "IMAGES_BUCKET": data.images.bucket_name},
    )
    allow(productos.role, ["dynamodb:GetItem"], [data.tenants.table_arn, data.locations.table_arn])
    allow(productos.role, read_write, [data.products.table_arn])
    _image_prefix_access(productos, images_arn, "productos")

    combos = api.add_microservice(
        "combos",
        handler="combos.handler.lambda_handler",
        routes=_sellable_routes("/combos", "combo_id"),
        environment={
            **base_env,
            "COMBOS_TABLE": data.combos.table_name,
            "PRODUCTS_TABLE": data.products.table_name,
            "IMAGES_BUCKET": data.images.bucket_name,
        },
    )
    allow(combos.role, ["dynamodb:GetItem"], [data.tenants.table_arn, data.locations.table_arn])
    allow(combos.role, ["dynamodb:BatchGetItem"], [data.products.table_arn])  # a combo's products exist
    allow(combos.role, read_write, [data.combos.table_arn])
    _image_prefix_access(combos, images_arn, "combos")

    locales = api.add_microservice(
        "locales",
        handler="locales.handler.lambda_handler",
        routes=[
            Route("GET", "/locales", public=True),
            Route("GET", "/locales/{location_id}", public=True),
            Route("POST", "/locales"),
            Route("PUT", "/locales/{location_id}"),
            Route("POST", "/locales/{location_id}/pausa"),
        ],
        environment=base_env,
    )
    allow(locales.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
    allow(locales.role, read_write, [data.locations.table_arn])


def add_email_notifier(api: ApiStack, *, dedup_table: dynamodb.ITable, mail_from: str | None = None) -> ServiceFunction:
    """The email notifier: SQS (EventBridge events) -> Gmail SMTP, one ledger row per sent event.

    ``dedup_table`` is keyed ``tenant_id`` / ``idempotency_key`` with TTL on ``expires_at``.
    The Gmail app password lives in the secret ``<prefix>/smtp/gmail`` (created by the operator).
    """
    work = api.messaging.email_notifications
    secret_name = f"{api.stage.prefix}/smtp/gmail"
    notifier = ServiceFunction(
        api,
        "EmailNotifier",
        stage=api.stage,
        service="notificaciones",
        handler="notificaciones.handler.lambda_handler",
        layer=api.layer,
        timeout=CONSUMER_TIMEOUT,  # below the 45 s claim lease of a send
        environment={
            "SMTP_HOST": "smtp.gmail.com",
            "SMTP_PORT": "587",
            "SMTP_STARTTLS": "true",
            "SMTP_SECRET_NAME": secret_name,
            "MAIL_FROM": mail_from or str(api.node.try_get_context("mail_from") or DEFAULT_MAIL_FROM),
            "DEDUP_TABLE": dedup_table.table_name,
        },
    )
    work.consumed_by(notifier.function, batch_size=10)
    allow(
        notifier.role,
        ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        [dedup_table.table_arn],
    )
    secret_arn = api.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{secret_name}-??????",  # Secrets Manager appends 6 random characters
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    allow(notifier.role, ["secretsmanager:GetSecretValue"], [secret_arn])
    return notifier
