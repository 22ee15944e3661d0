"""The points routes: a customer reads their own balance and ledger (newest first, paginated); the tenant's admins
a customer's; nobody else's, and bad input is a 4xx in the platform's error shape that reads nothing."""

from __future__ import annotations

from points_world import World, customer, delivered, line, staff

RESOURCE = "/clientes/{customer_id}/puntos"


def _credit(world: World, *order_ids: str, customer_id: str = "cust-1") -> None:
    for hour, order_id in enumerate(order_ids, start=10):
        world.order(order_id, [line("clasica", 1, hour)], customer_id=customer_id)
        world.deliver(delivered(order_id, at=f"2026-11-28T{hour}:00:00.000Z"))


def _admin_get(world: World, customer_id: str, principal: dict[str, str], **query: str):  # type: ignore[no-untyped-def]
    return world.get(f"/clientes/{customer_id}/puntos", principal, resource=RESOURCE,
                     path_parameters={"customer_id": customer_id}, **query)  # fmt: skip


def test_the_ledger_pages_newest_first_with_the_balance_in_two_reads(world: World) -> None:
    _credit(world, "o-1", "o-2", "o-3")
    world.calls.clear()

    first = world.get("/perfil/puntos", customer(), limit="2")
    assert world.calls == ["Query", "GetItem"]
    second = world.get("/perfil/puntos", customer(), limit="2", cursor=first.body["next_cursor"])

    assert first.status == second.status == 200
    assert first.body["balance"] == second.body["balance"] == 10 + 11 + 12
    assert [e["order_id"] for e in first.body["items"]] == ["o-3", "o-2"]
    assert [e["order_id"] for e in second.body["items"]] == ["o-1"]


def test_a_cursor_of_another_customers_ledger_or_a_forged_one_is_a_422_that_reads_nothing(world: World) -> None:
    _credit(world, "o-1", "o-2", customer_id="cust-2")
    other = world.get("/perfil/puntos", customer("cust-2"), limit="1").body["next_cursor"]
    world.calls.clear()

    for cursor in (other, "not-a-cursor", "x" * 2000):
        answer = world.get("/perfil/puntos", customer(), cursor=cursor)
        assert answer.status == 422 and answer.body["error"] in ("invalid_cursor", "validation_failed"), answer.body
        assert isinstance(answer.body["message"], str)
    for limit in ("0", "101", "diez"):
        assert world.get("/perfil/puntos", customer(), limit=limit).status == 422
    assert world.calls == []


def test_only_customers_read_their_own_and_only_admins_read_a_customers(world: World) -> None:
    _credit(world, "o-1")
    world.user("cust-1")

    assert world.get("/perfil/puntos", None).status == 401
    for rol in ("admin", "cocinero", "empaquetador", "repartidor"):
        assert world.get("/perfil/puntos", staff(rol)).status == 403
        if rol != "admin":
            assert _admin_get(world, "cust-1", staff(rol)).status == 403
    assert _admin_get(world, "cust-1", customer()).status == 403
    assert _admin_get(world, "cust-1", None).status == 401

    answer = _admin_get(world, "cust-1", staff())
    assert answer.status == 200 and answer.body["balance"] == 10 and len(answer.body["items"]) == 1


def test_an_admin_naming_a_customer_of_another_tenant_or_none_gets_a_404(world: World) -> None:
    world.user("cust-b", tenant="bembos-san-isidro")

    for customer_id in ("cust-b", "nadie"):
        answer = _admin_get(world, customer_id, staff())
        assert answer.status == 404 and answer.body["error"] == "customer_not_found", answer.body
    answer = _admin_get(world, "cust.B", staff())  # not an id (ids are letters, digits and -)
    assert answer.status == 422


def test_the_openapi_document_describes_both_routes_and_the_statement() -> None:
    import json

    from localcloud.openapi import operations
    from puntos import handler

    document = json.loads(handler.app.get_openapi_json_schema())  # what the local cloud serves, built in-process

    assert operations(document) == {("GET", "/perfil/puntos"), ("GET", "/clientes/{customer_id}/puntos")}
    statement = document["components"]["schemas"]["PointsStatement"]
    assert set(statement["required"]) == {"customer_id", "balance", "items"}
    entry = document["components"]["schemas"]["LedgerEntry"]["properties"]
    assert entry["movement"]["enum"] == ["credit", "reversal"]
