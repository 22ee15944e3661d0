"""core.dynamo's helpers that every DAL shares."""

from __future__ import annotations

from core.dynamo import query_all


def test_query_all_follows_every_page_with_the_same_request() -> None:
    pages = [
        {"Items": [{"n": 1}, {"n": 2}], "LastEvaluatedKey": {"k": "2"}},
        {"Items": [], "LastEvaluatedKey": {"k": "2b"}},  # a page a filter emptied: not the end
        {"Items": [{"n": 3}]},
    ]
    requests: list[dict[str, object]] = []

    class Client:
        def query(self, **request: object) -> dict[str, object]:
            requests.append(request)
            return pages[len(requests) - 1]

    assert list(query_all(Client(), TableName="t", KeyConditionExpression="k = :k")) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert [r.get("ExclusiveStartKey") for r in requests] == [None, {"k": "2"}, {"k": "2b"}]
    assert all(r["TableName"] == "t" for r in requests)
