"""``UsagePlans``: per-tenant fairness at the REST API, one usage plan per tenant tier.

A tenant is identified to API Gateway by an API key whose value the authorizer returns as the request's
``usageIdentifierKey`` (``contracts.usage_key`` of the stage's prefix and the tenant; the API's key source is
``AUTHORIZER``, so a client's ``x-api-key`` header counts for nothing). Each key belongs to the plan of its
tenant's tier, and a plan's throttle is applied to each of its keys on its own: one tenant's burst empties its own
token bucket, not the others'. The stage's throttle applies per method (each method's own bucket, all tenants
together on that method), and on AWS the account's 10,000 requests a second per Region bounds all methods and
stages together; no tier exceeds the stage's per-method limit (``StageConfig``).

A handful of resources whatever the number of tenants (a plan per tier, two gateway responses): the keys and
their plan memberships are data, written by the tenant provisioner at run time
(``services/tenants/usage_keys.apply_tier``, with ``plan_ids_json`` as its ``USAGE_PLANS`` and
``grant_key_management`` on its role). The methods behind the authorizer require the key
(``constructs/microservice.py``); public routes carry none and only the stage's per-method throttle applies to
them.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct
from constructs.grants import allow
from constructs.nag import acknowledge
from constructs.stage import StageConfig, TierLimits

# API Gateway's errors of the usage plans, in the platform's error shape (as stacks/api.py's GATEWAY_ERRORS):
# a request past its tenant's bucket is THROTTLED there (429, "too_many_requests"); past its daily quota, this 429;
# and a method that requires a key whose authorizer named none, or a key in no plan of the stage, a 403.
_GATEWAY_ERRORS = (
    (apigw.ResponseType.QUOTA_EXCEEDED, "quota_exceeded"),
    (apigw.ResponseType.INVALID_API_KEY, "forbidden"),
)
# The outputs' name: the local cloud reads the plan ids by tier from it (the output of a construct has a path-based id).
OUTPUT_ID = "UsagePlanIds"


class UsagePlans(Construct):
    """One usage plan per tier of ``stage.tenant_tiers``, on ``api``'s deployment stage."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig, api: apigw.RestApi) -> None:
        super().__init__(scope, construct_id)
        self._api = api
        self._use_authorizer_keys(api)
        self.plans = {limits.tier: self._plan(stage, api, limits) for limits in stage.tenant_tiers}
        self._add_gateway_responses(api)
        output = cdk.CfnOutput(self, "PlanIds", value=self.plan_ids_json, description="Usage plan id by tenant tier")
        output.override_logical_id(OUTPUT_ID)
        # Each plan's id under a name of the stage's own: another stack imports it by that name, so the grant's
        # resources (and cdk-nag's findings on them) read the same in every synth.
        self._export_names = {tier: f"{stage.prefix}-usage-plan-{tier}" for tier in self.plans}
        for tier, plan in self.plans.items():
            cdk.CfnOutput(self, f"PlanId{tier.capitalize()}", value=plan.usage_plan_id,
                          export_name=self._export_names[tier])  # fmt: skip

    @property
    def plan_ids(self) -> dict[str, str]:
        """The plan id of each tier (tokens), e.g. for the provisioner's ``USAGE_PLANS``."""
        return {tier: plan.usage_plan_id for tier, plan in self.plans.items()}

    @property
    def plan_ids_json(self) -> str:
        """``plan_ids`` as one JSON string (a token resolved by CloudFormation): ``{"basico": "<id>", ...}``."""
        return cdk.Stack.of(self).to_json_string(self.plan_ids)

    def plan_ids_for(self, consumer: Construct) -> dict[str, str]:
        """The plan ids as ``consumer``'s stack reads them: its own resources, or the exports (the consumer's stack
        then deploys after this one)."""
        stack = cdk.Stack.of(consumer)
        if stack is cdk.Stack.of(self):
            return self.plan_ids
        stack.add_dependency(cdk.Stack.of(self), "the tenants' API keys join the tier plans")
        return {tier: cdk.Fn.import_value(name) for tier, name in self._export_names.items()}

    def grant_key_management(self, role: iam.IRole) -> None:
        """What ``apply_tier`` calls, each method on its own paths: read the tenants' API keys and each tier plan's
        keys (``GET``), create a key and add a key to a plan (``POST /apikeys``, ``POST /usageplans/<id>/keys``),
        and take a key out of a plan (``DELETE /usageplans/<id>/keys/<key>``, a tier change). No key is ever
        deleted or changed, and no plan itself (no ``DELETE`` or ``PATCH`` of ``/apikeys/*``, no
        ``/usageplans/<id>``): offboarding suspends the tenant and keeps its key."""
        stack = cdk.Stack.of(role)
        base = f"arn:{stack.partition}:apigateway:{stack.region}::"
        plan_ids = list(self.plan_ids_for(role).values())
        plans_keys = [f"{base}/usageplans/{plan_id}/keys" for plan_id in plan_ids]  # a plan's keys
        plans_key = [f"{base}/usageplans/{plan_id}/keys/*" for plan_id in plan_ids]  # one key's membership
        allow(role, ["apigateway:GET"], [f"{base}/apikeys", f"{base}/apikeys/*", *plans_keys, *plans_key])
        allow(role, ["apigateway:POST"], [f"{base}/apikeys", *plans_keys])
        allow(role, ["apigateway:DELETE"], plans_key)
        reason = (
            "A tenant's API key id is made by API Gateway at onboarding (any number of tenants): the provisioner "
            "reads keys by id (GET only) and reads and removes their membership of the tier plans (GET, DELETE), "
            "never a key or a plan itself."
        )
        # cdk-nag names a token by what it refers to, and a literal (the stage's region, an export's name) as it is.
        partition = "<AWS::Partition>" if cdk.Token.is_unresolved(stack.partition) else stack.partition
        region = "<AWS::Region>" if cdk.Token.is_unresolved(stack.region) else stack.region
        found = f"Resource::arn:{partition}:apigateway:{region}::"
        acknowledge(role, f"AwsSolutions-IAM5[{found}/apikeys/*]", reason)
        for tier, plan in self.plans.items():
            if stack is cdk.Stack.of(self):
                plan_id = f"<{stack.get_logical_id(plan.node.default_child)}>"
            else:
                plan_id = self._export_names[tier]
            acknowledge(role, f"AwsSolutions-IAM5[{found}/usageplans/{plan_id}/keys/*]", reason)

    # -- parts ------------------------------------------------------------------------------------
    @staticmethod
    def _use_authorizer_keys(api: apigw.RestApi) -> None:
        """The API key of a request is the authorizer's ``usageIdentifierKey``, never the client's header."""
        cfn_api = api.node.default_child
        assert isinstance(cfn_api, apigw.CfnRestApi)
        cfn_api.api_key_source_type = "AUTHORIZER"

    def _plan(self, stage: StageConfig, api: apigw.RestApi, limits: TierLimits) -> apigw.UsagePlan:
        quota = (
            apigw.QuotaSettings(limit=limits.daily_quota, period=apigw.Period.DAY)
            if limits.daily_quota is not None
            else None
        )
        return apigw.UsagePlan(
            self,
            f"Plan{limits.tier.capitalize()}",
            name=f"{stage.prefix}-{limits.tier}",
            description=f"Tenants of the {limits.tier} tier: each tenant's own bucket",
            throttle=apigw.ThrottleSettings(rate_limit=limits.rate_limit, burst_limit=limits.burst_limit),
            quota=quota,
            api_stages=[apigw.UsagePlanPerApiStage(api=api, stage=api.deployment_stage)],
        )

    @staticmethod
    def _add_gateway_responses(api: apigw.RestApi) -> None:
        for response_type, code in _GATEWAY_ERRORS:
            api.add_gateway_response(
                f"Error{response_type.response_type}",
                type=response_type,
                response_headers={"Access-Control-Allow-Origin": "'*'"},
                templates={"application/json": f'{{"error": "{code}", "message": $context.error.messageString}}'},
            )
