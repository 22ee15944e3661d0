"""The staff messages' REST routes (``mensajes``, a function of the realtime service): ``GET /mensajes`` (the
caller's history: one Query per channel of the messages table and one of its ``by_sender`` index) and
``GET /mensajes/contactos`` (the staff directory: Queries of the employees' ``by_location`` and ``by_email``
indexes). Read-only: the messages are written by the WebSocket ``mensaje`` route (``stacks/api.py``).
"""

from __future__ import annotations

from constructs import Construct
from constructs.grants import allow, index_arn
from constructs.microservice import Microservice, RestEndpoint, Route

from stacks.data import DataStack


class MessageServices:
    def __init__(self, scope: Construct, *, endpoint: RestEndpoint, data: DataStack) -> None:
        self.api = Microservice(
            scope,
            "Mensajes",
            endpoint=endpoint,
            service="mensajes",
            handler="realtime.api.lambda_handler",
            routes=[Route("GET", "/mensajes"), Route("GET", "/mensajes/contactos")],
            environment={
                "MESSAGES_TABLE": data.messages.table_name,
                "EMPLOYEES_TABLE": data.employees.table_name,
                "LOCATIONS_TABLE": data.locations.table_name,
            },
        )
        role = self.api.role
        allow(role, ["dynamodb:Query"], [data.messages.table_arn, index_arn(data.messages, "by_sender")])
        by_location, by_email = index_arn(data.employees, "by_location"), index_arn(data.employees, "by_email")
        allow(role, ["dynamodb:Query"], [by_location, by_email])
