"""Each tenant's entries are numbered 1, 2, 3 ... without gaps: under concurrency, retries and crashes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from complaints_world import NOW, TENANT_A, TENANT_B, World, complaint_body, customer, staff

from core.principal import Principal
from reclamos import logic, runtime
from reclamos.models import ComplaintCreate


def test_entries_take_the_next_number_of_their_own_tenant(world: World) -> None:
    numbers = [world.file().body["numero"] for _ in range(3)]
    other = world.file(customer(tenant=TENANT_B)).body

    assert numbers == [1, 2, 3]
    assert (other["numero"], other["codigo"]) == (1, "LR-2026-000001")
    assert [e["numero"] for e in world.entries() if e["tenant_id"] == TENANT_A] == [1, 2, 3]


def test_a_filed_entry_is_the_whole_contract_object_with_the_accounts_email_and_its_due_date(world: World) -> None:
    answer = world.file(order_id="order-ana-1", location_id="larco")

    assert answer.status == 201
    assert answer.body == {
        **complaint_body(order_id="order-ana-1", location_id="larco"),
        "consumidor": {**complaint_body()["consumidor"], "email": "c-ana@bembos-miraflores.pe"},
        "apoderado": None,
        "numero": 1,
        "codigo": "LR-2026-000001",
        "customer_id": "c-ana",
        "estado": "pendiente",
        "filed_at": "2026-11-27T15:30:00.000Z",
        "due_at": "2026-12-18T15:30:00.000Z",  # 15 business days after Friday 27 Nov
        "respuesta": None,
        "answered_at": None,
        "answered_by": None,
    }


def test_the_same_idempotency_key_gives_the_first_entry_back_without_a_second_number(world: World) -> None:
    key = {"Idempotency-Key": "reclamo-0001"}
    first = world.call("POST", "/reclamaciones", customer(), complaint_body(), headers=key)
    again = world.call("POST", "/reclamaciones", customer(), complaint_body(), headers=key)
    other_body = world.call("POST", "/reclamaciones", customer(), complaint_body(tipo="queja"), headers=key)

    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert other_body.status == 409 and other_body.body["error"] == "idempotency_key_reused"
    assert [e["numero"] for e in world.entries()] == [1]
    assert world.file().body["numero"] == 2
    # the replay publishes again (a retry after a failed publish still tells everyone; the e-mail is sent once)
    assert [t for t, _ in world.events] == ["ComplaintFiled"] * 3


def test_a_malformed_idempotency_key_is_refused_before_a_number_is_taken(world: World) -> None:
    answer = world.call("POST", "/reclamaciones", customer(), complaint_body(), headers={"Idempotency-Key": "a b"})

    assert (answer.status, answer.body["error"]) == (422, "validation_failed")
    assert world.entries() == []
    assert world.events == []
    assert world.file().body["numero"] == 1


def test_an_entry_that_lost_its_number_to_another_takes_the_next_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two customers read the counter at once: the second transaction's condition fails, it reads again."""
    dal = runtime.dal()
    read = dal.last_numero
    raced = []

    def racing_read(tenant_id: str) -> int:
        last = read(tenant_id)
        if not raced:  # the other customer files between this read and this write
            raced.append(True)
            other = logic.file_complaint(
                Principal.model_validate(customer("c-beto")), ComplaintCreate.model_validate(complaint_body()),
                None, dal=_plain(dal), tenants=runtime.tenants(), events=_Silent(), now=NOW,
            )  # fmt: skip
            assert other[0].numero == 1
        return last

    monkeypatch.setattr(dal, "last_numero", racing_read)
    mine = world.file()

    assert mine.status == 201 and mine.body["numero"] == 2
    assert [(e["numero"], e["customer_id"]) for e in world.entries()] == [(1, "c-beto"), (2, "c-ana")]
    assert world.calls.count("TransactWriteItems") == 3  # the other's, my refused one, my retry


def test_a_write_that_fails_half_way_leaves_neither_the_entry_nor_a_used_number(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = runtime.dal()._client
    real = client.transact_write_items

    def failing(**request: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "TransactWriteItems")

    monkeypatch.setattr(client, "transact_write_items", failing)
    failed = world.file()
    monkeypatch.setattr(client, "transact_write_items", real)

    assert failed.status == 502 and failed.body["error"] == "dependency_failed"
    assert world.stored() == [] and world.events == []
    assert world.file().body["numero"] == 1


def _plain(dal: Any) -> Any:
    """The DAL without the test's racing read (the other customer's request reads the counter normally)."""
    from reclamos.dal import ComplaintsDal

    return ComplaintsDal(
        dal._client, complaints_table=dal._table, users_table=dal._users, orders_table=dal._orders,
        locations_table=dal._locations,
    )  # fmt: skip


class _Silent:
    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        pass


def test_filing_reads_the_term_the_customer_and_the_counter_and_writes_once(world: World) -> None:
    world.file()  # the tenant's term is cached a minute by the warm container
    world.calls.clear()

    world.file(order_id="order-ana-1", location_id="larco")
    world.call("POST", "/reclamaciones/1/respuesta", staff(), {"respuesta": "Le devolvemos el importe hoy."})

    # filing: the customer, the order, the location, the counter; the entry in one transaction (then PutEvents)
    # answering: the entry, then one conditional update
    assert world.calls == ["GetItem"] * 4 + ["TransactWriteItems"] + ["GetItem", "UpdateItem"]
