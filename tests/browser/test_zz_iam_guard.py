"""Last in the local cloud's session: no function made a call its own IAM role does not allow."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e]


def test_no_function_was_refused_by_its_role_during_the_session(cloud) -> None:
    # Every end-to-end and browser test ran through the IAM-enforcing endpoint: a missing grant
    # surfaces here (and as an AccessDenied line in the local cloud's log) instead of on AWS.
    assert cloud.aws_proxy.refused == []
