"""The tenants' provisioner: the ``ServiceToken`` of the stage's one ``Custom::Tenants`` resource.

CloudFormation sends Create, Update (with ``OldResourceProperties``) and Delete; the properties name the tenants
asset (``AssetBucket``, ``AssetKey``: its hash), so a change of any tenant is an Update. ``tenants.logic`` applies
it; ``tenants.cfn`` answers CloudFormation.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.observability import entry_point
from tenants import cfn, logic, runtime

PHYSICAL_ID = "tenants"  # one resource per stack: its identity never changes (a new one would Delete the old)


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def work() -> dict[str, int]:
        s = runtime.settings()
        return logic.on_event(event, store=runtime.store(), tiers=runtime.tiers(), workers=s.workers).counts()

    return cfn.serve(event, work, physical_id=PHYSICAL_ID)
