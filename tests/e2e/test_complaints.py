"""The Libro de Reclamaciones over the local cloud: a customer files an entry and the local mailbox receives its
dated copy; the admin answers and the mailbox receives the answer; another customer, a cook and another tenant's
admin can neither read nor answer it (every role on every route is the access matrix's)."""

from __future__ import annotations

import pytest
from access_rules import complaint
from e2e_support import eventually
from identity_support import MIRAFLORES, SAN_ISIDRO, assert_error, call, register, role_token, token_of

pytestmark = pytest.mark.e2e


def _mail(cloud, email: str, subject: str):
    return eventually(lambda: [m for m in cloud.mailbox.messages(to=email) if m.subject.startswith(subject)] or None)


def test_a_complaint_is_filed_copied_answered_and_mailed_and_nobody_else_reads_it(cloud) -> None:
    _, email, password = register(cloud, MIRAFLORES)
    customer = token_of(cloud, MIRAFLORES, email, password)
    admin = role_token(cloud, MIRAFLORES, "admin")

    filed = call(cloud, "POST", "reclamaciones", token=customer, json=complaint())
    assert filed.status_code == 201, filed.text
    entry = filed.json()
    numero, codigo = entry["numero"], entry["codigo"]
    assert entry["consumidor"]["email"] == email and entry["estado"] == "pendiente"
    [copy] = _mail(cloud, email, f"Copia de tu reclamo {codigo}")
    assert "Fecha de registro:" in (copy.text or "") and "Esperé media hora en la caja" in (copy.text or "")

    _, other_email, other_password = register(cloud, MIRAFLORES)
    other = token_of(cloud, MIRAFLORES, other_email, other_password)
    text = {"respuesta": "Reforzamos la caja en horas punta. Disculpe la espera."}
    for token, status in (
        (other, 404),
        (role_token(cloud, MIRAFLORES, "cocinero"), 403),
        (role_token(cloud, SAN_ISIDRO, "admin"), 404),
    ):
        assert_error(call(cloud, "GET", f"reclamaciones/{numero}", token=token), status)
        assert_error(call(cloud, "POST", f"reclamaciones/{numero}/respuesta", token=token, json=text), status)
    assert_error(call(cloud, "POST", f"reclamaciones/{numero}/respuesta", token=customer, json=text), 403)

    answered = call(cloud, "POST", f"reclamaciones/{numero}/respuesta", token=admin, json=text)
    assert answered.status_code == 200, answered.text
    assert answered.json()["estado"] == "respondido"
    [mail] = _mail(cloud, email, f"Respuesta a tu reclamo {codigo}")
    assert text["respuesta"] in (mail.text or "")
    mine = call(cloud, "GET", f"reclamaciones/{numero}", token=customer).json()
    assert (mine["estado"], mine["respuesta"]) == ("respondido", text["respuesta"])
    book = call(cloud, "GET", "reclamaciones/libro", token=admin)
    assert book.headers["content-type"].startswith("text/csv") and codigo in book.text
