"""Libro de Reclamaciones API: ``/reclamaciones`` (file, list), ``/reclamaciones/{numero}`` (read),
``/reclamaciones/{numero}/respuesta`` (the admins' answer) and ``/reclamaciones/libro`` (the book as CSV).

Customers file entries and read their own; the tenant's admins read the whole book, answer and export it. Other
staff get a 403. The tenant always comes from the session.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver, idempotency_key
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from reclamos import logic, runtime
from reclamos.models import (
    Complaint,
    ComplaintAnswer,
    ComplaintCreate,
    ComplaintPage,
    Estado,
)

CUSTOMER = contracts.CUSTOMER_ROLE
Numero = Annotated[int, Path(ge=1, le=999_999_999, description="The entry's correlative number")]

app = create_resolver("reclamaciones")


@app.post(
    "/reclamaciones",
    status_code=201,
    responses={
        201: {"description": "The entry, filed under the tenant's next number"},
        200: {"description": "The entry an earlier request with this Idempotency-Key filed"},
    },
    middlewares=requires(CUSTOMER),
)
def file_complaint(body: ComplaintCreate) -> tuple[Complaint, int]:
    entry, created = logic.file_complaint(
        caller(app),
        body,
        idempotency_key(app),
        dal=runtime.dal(),
        tenants=runtime.tenants(),
        events=runtime.publisher(),
        now=utc_now(),
    )
    return entry, 201 if created else 200


@app.get("/reclamaciones", middlewares=requires(CUSTOMER, "admin"))
def list_complaints(
    estado: Annotated[Estado | None, Query(description="Only the entries in this estado")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")] = 50,
    cursor: Annotated[str | None, Query(max_length=1024, description="Opaque cursor of the previous page")] = None,
) -> ComplaintPage:
    """An admin: the tenant's book by number. A customer: their own entries, newest first."""
    return logic.list_complaints(caller(app), estado=estado, limit=limit, cursor=cursor, dal=runtime.dal())


@app.get(
    "/reclamaciones/libro",
    responses={200: {"description": "The whole book by number", "content": {"text/csv": {"schema": {}}}}},
    middlewares=requires("admin"),
)
def export_book() -> Response[str]:
    principal = caller(app)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=logic.book_csv(principal, dal=runtime.dal()),
        headers={"Content-Disposition": f'attachment; filename="libro-reclamaciones-{principal.tenant_id}.csv"'},
    )


@app.get("/reclamaciones/<numero>", middlewares=requires(CUSTOMER, "admin"))
def get_complaint(numero: Numero) -> Complaint:
    return logic.get_complaint(caller(app), numero, dal=runtime.dal())


@app.post("/reclamaciones/<numero>/respuesta", middlewares=requires("admin"))
def answer_complaint(numero: Numero, body: ComplaintAnswer) -> Complaint:
    return logic.answer_complaint(
        caller(app), numero, body, dal=runtime.dal(), events=runtime.publisher(), now=utc_now()
    )


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
