"""The Libro de Reclamaciones over the local cloud: a customer files an entry and the local mailbox receives its
dated copy; the admin answers and the mailbox receives the answer. That another customer, a cook and another
tenant's admin can neither read nor answer it is the access matrix's (test_access_matrix.py, its rules in
access_rules.py): every role on every complaints route, the target entry unchanged after each refusal."""

from __future__ import annotations

import pytest
from access_rules import complaint
from e2e_support import eventually, issue_token
from identity_support import MIRAFLORES, assert_error, call, register, role_token

pytestmark = pytest.mark.e2e


def _mail(cloud, email: str, subject: str):
    return eventually(lambda: [m for m in cloud.mailbox.messages(to=email) if m.subject.startswith(subject)] or None)


def test_a_filed_complaint_is_copied_by_mail_and_its_answer_mailed_later(cloud) -> None:
    user, email, _ = register(cloud, MIRAFLORES)
    customer = issue_token(cloud, MIRAFLORES, subject_id=user["user_id"], kind="customer", rol="cliente")
    admin = role_token(cloud, MIRAFLORES, "admin")

    filed = call(cloud, "POST", "reclamaciones", token=customer, json=complaint())
    assert filed.status_code == 201, filed.text
    entry = filed.json()
    numero, codigo = entry["numero"], entry["codigo"]
    assert entry["consumidor"]["email"] == email and entry["estado"] == "pendiente"
    [copy] = _mail(cloud, email, f"Copia de tu reclamo {codigo}")
    assert "Fecha de registro:" in (copy.text or "") and "Esperé media hora en la caja" in (copy.text or "")

    text = {"respuesta": "Reforzamos la caja en horas punta. Disculpe la espera."}
    # Another customer (404), the staff but admins (403), another tenant's admin (404): the access matrix's cells.
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
