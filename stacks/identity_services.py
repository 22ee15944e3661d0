"""The identity functions: users (``/usuarios``, ``/perfil``), employees (``/empleados``) and the worker
that sends onboarding's invitations.

Each function gets exactly the DynamoDB actions its DAL makes, on the exact tables and indexes.
"""

from __future__ import annotations

from typing import Literal

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct
from constructs.grants import allow, index_arn, parameter_arn
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

from core import contracts
from stacks.data import DataStack
from stacks.messaging import MessagingStack
from stacks.notification_services import allow_connection_pushes

# A token and its subject's index in one transaction (PutItem + UpdateItem), revocation (GetItem,
# BatchWriteItem), logout and a used one-time link (DeleteItem).
TOKEN_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
]


def web_app_url(scope: Construct, app: Literal["customer", "staff"]) -> str:
    """A web app's base when the operator set one (``-c customer_app_url=https://...``, a custom domain); else
    empty, and the functions read the Amplify app's address that FrontendStack publishes (``web_parameter``).
    The local cloud overrides it."""
    origin = str(scope.node.try_get_context(f"{app}_app_url") or "")
    return f"{origin.rstrip('/')}/{contracts.WEB_APP_PATHS[app]}" if origin else ""


class IdentityServices:
    def __init__(
        self,
        scope: Construct,
        *,
        endpoint: RestEndpoint,
        data: DataStack,
        messaging: MessagingStack,
        websocket: apigwv2.WebSocketApi,
        ws_stage: apigwv2.WebSocketStage,
    ) -> None:
        self.data, self.messaging = data, messaging
        self.websocket, self.ws_stage = websocket, ws_stage
        self.staff_url_parameter = endpoint.stage.web_parameter("staff-url")  # published by FrontendStack
        self.staff_url_arn = parameter_arn(cdk.Stack.of(scope), self.staff_url_parameter)
        self.staff_app_url = web_app_url(scope, "staff")
        self.customer_url_parameter = endpoint.stage.web_parameter("customer-url")  # published by FrontendStack
        self.users = self._users(scope, endpoint)
        self.employees = self._employees(scope, endpoint)
        self.invitations = self._invitations_worker(scope, endpoint)

    def _users(self, scope: Construct, endpoint: RestEndpoint) -> Microservice:
        data, bus = self.data, self.messaging.bus
        users = Microservice(
            scope,
            "Usuarios",
            endpoint=endpoint,
            service="usuarios",
            handler="usuarios.handler.lambda_handler",
            routes=[
                Route("POST", "/usuarios", public=True),
                Route("POST", "/usuarios/verificacion", public=True),
                Route("POST", "/usuarios/verificacion/reenvio", public=True),
                Route("POST", "/usuarios/contrasena/olvido", public=True),
                Route("POST", "/usuarios/contrasena/restablecer", public=True),
                Route("POST", "/usuarios/login", public=True),
                Route("POST", "/usuarios/logout"),
                Route("GET", "/perfil"),
                Route("POST", "/perfil/contrasena"),
                Route("PUT", "/perfil"),
                Route("PATCH", "/perfil"),
                Route("DELETE", "/perfil"),
            ],
            environment={
                "TENANTS_TABLE": data.tenants.table_name,
                "USERS_TABLE": data.users.table_name,
                "EMPLOYEES_TABLE": data.employees.table_name,
                "TOKENS_TABLE": data.tokens.table_name,
                "EVENT_BUS_NAME": bus.event_bus_name,
                # The pages of the mailed links (verify the address, reset the password).
                "CUSTOMER_APP_URL": web_app_url(scope, "customer"),
                "CUSTOMER_APP_URL_PARAMETER": self.customer_url_parameter,
            },
            # argon2id (19 MiB, t=2) takes tens of milliseconds; a cold start plus a login fits easily.
            timeout=cdk.Duration.seconds(15),
        )
        allow(users.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
        allow(users.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], [data.users.table_arn])
        # Login reads an account through its email lock (strongly consistent GetItems), never the by_email index.
        allow(users.role, ["dynamodb:GetItem"], [data.employees.table_arn])
        # A public function updates only what its update expressions name: never an employee's role or status.
        self._allow_updates(users.role, data.users, contracts.CUSTOMER_UPDATE_ATTRIBUTES)
        self._allow_updates(users.role, data.employees, contracts.LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES)
        # A session is written only while its account is as login read it (ConditionCheck in the transaction).
        allow(users.role, ["dynamodb:ConditionCheckItem"], [data.users.table_arn, data.employees.table_arn])
        allow(users.role, TOKEN_ACTIONS, [data.tokens.table_arn])
        allow(users.role, ["dynamodb:Query"], [index_arn(data.tokens, "by_subject")])
        allow(users.role, ["events:PutEvents"], [bus.event_bus_arn])
        customer_url_arn = parameter_arn(cdk.Stack.of(scope), self.customer_url_parameter)
        allow(users.role, ["ssm:GetParameter"], [customer_url_arn])
        self._allow_closing_sockets(users)
        return users

    def _allow_closing_sockets(self, service: Microservice) -> None:
        """Sockets end with the session (core.sockets): the person's connections (the ``by_subject`` index), their
        rows, and ``DELETE @connections/{id}`` on this stage's connections only."""
        data = self.data
        service.function.add_environment("CONNECTIONS_TABLE", data.connections.table_name)
        service.function.add_environment("WEBSOCKET_CALLBACK_URL", self.ws_stage.callback_url)
        allow(service.role, ["dynamodb:Query"], [index_arn(data.connections, "by_subject")])
        allow(service.role, ["dynamodb:DeleteItem"], [data.connections.table_arn])
        allow_connection_pushes(service.service_function, self.websocket, self.ws_stage)

    @staticmethod
    def _allow_updates(role: iam.IRole, table: dynamodb.ITable, attributes: tuple[str, ...]) -> None:
        """``dynamodb:UpdateItem`` on ``table`` naming no attribute but ``attributes`` (IAM's fine-grained access)."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"],
                resources=[table.table_arn],
                conditions={"ForAllValues:StringEquals": {"dynamodb:Attributes": list(attributes)}},
            )
        )

    @property
    def _employees_environment(self) -> dict[str, str]:
        data = self.data
        return {
            "TENANTS_TABLE": data.tenants.table_name,
            "EMPLOYEES_TABLE": data.employees.table_name,
            "LOCATIONS_TABLE": data.locations.table_name,
            "TOKENS_TABLE": data.tokens.table_name,
            "EVENT_BUS_NAME": self.messaging.bus.event_bus_name,
            "STAFF_APP_URL": self.staff_app_url,
            "STAFF_APP_URL_PARAMETER": self.staff_url_parameter,
        }

    def _employees(self, scope: Construct, endpoint: RestEndpoint) -> Microservice:
        employees = Microservice(
            scope,
            "Empleados",
            endpoint=endpoint,
            service="empleados",
            handler="empleados.handler.lambda_handler",
            routes=[
                Route("POST", "/empleados"),
                Route("GET", "/empleados"),
                Route("GET", "/empleados/{employee_id}"),
                Route("PATCH", "/empleados/{employee_id}"),
                Route("DELETE", "/empleados/{employee_id}"),
                Route("POST", "/empleados/{employee_id}/invitacion"),
                Route("POST", "/empleados/activar", public=True),
                Route("GET", "/empleados/yo/preferencias"),
                Route("PATCH", "/empleados/yo/preferencias"),
            ],
            environment=self._employees_environment,
            timeout=cdk.Duration.seconds(15),
        )
        self._grant_employees(employees.role)
        allow(employees.role, ["ssm:GetParameter"], [self.staff_url_arn])
        self._allow_closing_sockets(employees)
        return employees

    def _invitations_worker(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data = self.data
        worker = ServiceFunction(
            scope,
            "InvitacionesWorker",
            stage=endpoint.stage,
            service="invitaciones",
            handler="empleados.worker.lambda_handler",
            layer=endpoint.layer,
            environment=self._employees_environment,
            timeout=CONSUMER_TIMEOUT,
        )
        # The worker reads the employee and the tenant, stores the invitation token, marks the employee, publishes.
        allow(worker.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
        allow(worker.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.employees.table_arn])
        allow(worker.role, ["dynamodb:PutItem", "dynamodb:UpdateItem"], [data.tokens.table_arn])  # token + index
        allow(worker.role, ["events:PutEvents"], [self.messaging.bus.event_bus_arn])
        allow(worker.role, ["ssm:GetParameter"], [self.staff_url_arn])
        worker.consume(self.messaging.invitation_requests, batch_size=10, max_concurrency=2)
        return worker

    def _grant_employees(self, role: iam.IRole) -> None:
        """What the employees DAL calls: tenants/locations reads, employees writes, tokens, the bus."""
        data = self.data
        allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn, data.locations.table_arn])
        allow(role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.employees.table_arn])
        allow(role, TOKEN_ACTIONS, [data.tokens.table_arn])
        allow(role, ["dynamodb:Query"], [index_arn(data.tokens, "by_subject")])
        by_email, by_location = index_arn(data.employees, "by_email"), index_arn(data.employees, "by_location")
        allow(role, ["dynamodb:Query"], [by_email, by_location])
        allow(role, ["events:PutEvents"], [self.messaging.bus.event_bus_arn])
