"""One platform = the seven stacks of one stage."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct
from constructs.stage import StageConfig

from stacks.api import ApiStack
from stacks.data import DataStack
from stacks.frontend import FrontendStack
from stacks.messaging import MessagingStack
from stacks.operations import OperationsStack
from stacks.tenants import TenantSockets, TenantsStack
from stacks.workflow import WorkflowStack


class Platform:
    """Data <- Messaging <- Workflow <- Api <- Frontend, Api <- Tenants (each arrow: uses exports of); Operations
    watches Data, Messaging, Workflow, Api and Tenants (by name: it deploys after them and only uses Messaging's
    alarm topic)."""

    def __init__(self, scope: Construct, *, stage: StageConfig, env: cdk.Environment) -> None:
        common = {"env": env, "tags": {"project": "bembos", "stage": stage.name}}
        self.stage = stage
        self.data = DataStack(scope, "Data", stack_name=stage.stack_name("data"), stage=stage, **common)
        self.messaging = MessagingStack(
            scope, "Messaging", stack_name=stage.stack_name("messaging"), stage=stage, **common
        )
        self.workflow = WorkflowStack(
            scope,
            "Workflow",
            stack_name=stage.stack_name("workflow"),
            stage=stage,
            data=self.data,
            messaging=self.messaging,
            **common,
        )
        self.api = ApiStack(
            scope,
            "Api",
            stack_name=stage.stack_name("api"),
            stage=stage,
            data=self.data,
            messaging=self.messaging,
            workflow=self.workflow,
            **common,
        )
        # The tenants as data (one asset, one custom resource): app.py registers them in ``tenants.registry``.
        self.tenants = TenantsStack(
            scope,
            "Tenants",
            stack_name=stage.stack_name("tenants"),
            stage=stage,
            data=self.data,
            messaging=self.messaging,
            usage_plans=self.api.usage_plans,
            **common,
        )
        TenantSockets(
            self.api,
            stage=stage,
            layer=self.api.layer,
            data=self.data,
            messaging=self.messaging,
            websocket=self.api.websocket,
            ws_stage=self.api.websocket_stage,
        )
        self.frontend = FrontendStack(
            scope,
            "Frontend",
            stack_name=stage.stack_name("frontend"),
            stage=stage,
            api=self.api,
            images=self.data.images,
            **common,
        )
        self.operations = OperationsStack(
            scope,
            "Operations",
            stack_name=stage.stack_name("operations"),
            stage=stage,
            watched=[self.data, self.messaging, self.workflow, self.api, self.tenants],
            messaging=self.messaging,
            api=self.api,
            **common,
        )
        for stack in self.stacks:
            if stage.retain_data:
                stack.termination_protection = True

    @property
    def stacks(self) -> list[cdk.Stack]:
        return [self.data, self.messaging, self.workflow, self.api, self.tenants, self.frontend, self.operations]
