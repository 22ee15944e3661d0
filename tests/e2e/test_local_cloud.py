"""The local cloud runs the synthesized platform: each hop proven over real HTTP, WebSocket, SMTP and AWS APIs."""

from __future__ import annotations

import json
import logging
import re
import smtplib
import uuid
from email.message import EmailMessage
from urllib.parse import urljoin

import boto3
import pytest
from botocore.exceptions import ClientError
from e2e_support import eventually, issue_token
from websockets.sync.client import connect

from localcloud.mailbox import BOUNCING_DOMAIN
from localcloud.seed import mercadopago_credentials
from pagos.sdk import sdk_for
from scripts.order_driver import HTTP

pytestmark = pytest.mark.e2e
TENANT = "bembos-miraflores"


def queue_url(cloud, name: str) -> str:
    return boto3.client("sqs").get_queue_url(QueueName=f"bembos-dev-{name}")["QueueUrl"]


def test_public_route_reaches_its_handler(cloud) -> None:
    response = HTTP.get(f"{cloud.urls.api}health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stage": "dev", "version": "0.1.0"}


def test_protected_route_runs_the_authorizer_and_passes_its_principal(cloud) -> None:
    token = issue_token(cloud, TENANT, subject_id="emp-1", kind="employee", rol="cocinero", location_id="larco")
    response = HTTP.get(f"{cloud.urls.api}sesion", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {
        "tenant_id": TENANT,
        "subject_id": "emp-1",
        "kind": "employee",
        "rol": "cocinero",
        "location_id": "larco",
        "name": None,  # a token written without one (the login route stores the account's name)
    }


def test_protected_route_without_or_with_a_forged_token_is_refused_in_the_platform_error_shape(cloud) -> None:
    missing = HTTP.get(f"{cloud.urls.api}sesion")
    assert missing.status_code == 401
    assert missing.json() == {"error": "unauthenticated", "message": "Unauthorized"}
    forged = f"{TENANT}.{'A' * 43}"
    response = HTTP.get(f"{cloud.urls.api}sesion", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "*"


def test_unknown_route_is_a_404_in_the_platform_error_shape(cloud) -> None:
    response = HTTP.get(f"{cloud.urls.api}no-existe")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_web_apps_get_their_config_file_from_the_api(cloud) -> None:
    for app, url in (("customer", cloud.urls.customer_app), ("staff", cloud.urls.staff_app)):
        config = HTTP.get(f"{url}config.json").json()
        assert config == {
            "app": app,
            "stage": "dev",
            "api_url": cloud.urls.api,
            "websocket_url": cloud.urls.websocket,
            "mercadopago_sdk_url": f"{cloud.urls.mercadopago}/js/v2",  # the fake's stand-in for Mercado Pago's SDK
        }
        page = HTTP.get(url)
        assert page.status_code == 200 and '<div id="app">' in page.text


def test_tenant_onboarding_seeded_tenants_locations_and_first_admin(cloud) -> None:
    dynamodb = boto3.client("dynamodb")
    tenant = dynamodb.get_item(TableName=cloud.table("tenants"), Key={"tenant_id": {"S": TENANT}})["Item"]
    assert tenant["name"]["S"] == "Bembos Miraflores"
    locations = dynamodb.query(
        TableName=cloud.table("locales"),
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": TENANT}},
    )["Items"]
    assert {item["location_id"]["S"] for item in locations} == {"larco", "benavides"}


def test_sns_publish_reaches_the_subscribed_queues_consumer(cloud) -> None:
    """SNS "pago aprobado" -> SQS -> the order starter: the message is delivered, handled and deleted."""
    starter = "bembos-dev-pedidos-iniciador"
    before = cloud.runtime.stats().get(starter)
    handled_before = before.invocations if before else 0
    sns = boto3.client("sns")
    topic_arn = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("pago-aprobado"))
    probe = {"type": "PaymentApproved", "tenant_id": TENANT, "order_id": f"sonda-{uuid.uuid4().hex[:8]}",
             "location_id": "larco", "payment_id": "0"}  # fmt: skip

    sns.publish(TopicArn=topic_arn, Message=json.dumps(probe))

    def handled() -> bool:
        stats = cloud.runtime.stats().get(starter)
        return bool(stats and stats.invocations > handled_before and not stats.errors)

    assert eventually(handled, timeout=30)

    def drained() -> bool:
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=queue_url(cloud, "pago-aprobado"),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return all(count == "0" for count in attributes.values())

    assert eventually(drained, timeout=20)


def test_state_machine_waits_on_the_kitchen_fifo_queue_and_continues_after_send_task_success(cloud) -> None:
    """The stage consumer takes each message off its FIFO queue and records the task token in the tracking table."""
    sfn = boto3.client("stepfunctions")
    dynamodb = boto3.client("dynamodb")
    machine = next(
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("pedido")
    )
    order_id = f"probe-{uuid.uuid4().hex[:8]}"
    dynamodb.put_item(
        TableName=cloud.table("pedidos"),
        Item={
            "tenant_id": {"S": TENANT},
            "order_id": {"S": order_id},
            "estado_pedido": {"S": "PAGADO"},  # what the order starter records before it starts the workflow
            "history": {"L": []},
        },
    )
    execution = sfn.start_execution(
        stateMachineArn=machine,
        name=order_id,
        input=json.dumps(
            {
                "tenant_id": TENANT,
                "order_id": order_id,
                "location_id": "larco",
                "dispatch": "pickup",
                "sla": {"cocina": 900, "empaquetamiento": 300, "delivery": 2700},
            }
        ),
    )

    def tracking_row(table: str):
        def probe():
            item = dynamodb.get_item(
                TableName=cloud.table(table),
                Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}},
                ConsistentRead=True,
            ).get("Item")
            return item if item and item["status"]["S"] == "pending" else None

        return probe

    kitchen = eventually(tracking_row("cocina"))
    assert kitchen["stage"]["S"] == "COCINA"
    assert kitchen["queue_key"]["S"] == f"{TENANT}#larco"
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "RUNNING"

    sfn.send_task_success(taskToken=kitchen["task_token"]["S"], output="{}")
    packing = eventually(tracking_row("despachador"))
    assert packing["stage"]["S"] == "EMPAQUETAMIENTO"
    sfn.send_task_success(taskToken=packing["task_token"]["S"], output="{}")

    def finished():
        status = sfn.describe_execution(executionArn=execution["executionArn"])["status"]
        return status if status != "RUNNING" else None

    assert eventually(finished) == "SUCCEEDED"
    order = dynamodb.get_item(
        TableName=cloud.table("pedidos"), Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}}
    )["Item"]
    assert order["estado_pedido"]["S"] == "ENTREGADO"
    assert [entry["M"]["estado"]["S"] for entry in order["history"]["L"]] == ["COCINA", "EMPAQUETAMIENTO", "ENTREGADO"]


def test_websocket_client_receives_what_a_handler_posts_to_its_connection(cloud) -> None:
    token = issue_token(cloud, TENANT, subject_id="cli-1", kind="customer", rol="cliente")
    with connect(f"{cloud.urls.websocket}?token={token}", open_timeout=10) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.recv(timeout=15)) == {"type": "pong"}


def test_websocket_connect_without_a_valid_token_is_rejected(cloud) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        connect(f"{cloud.urls.websocket}?token={TENANT}.{'B' * 43}", open_timeout=10)
    assert refused.value.response.status_code in (401, 403)


def test_real_mercadopago_sdk_creates_and_reads_a_payment_against_the_fake(cloud) -> None:
    credentials = mercadopago_credentials(TENANT)
    sdk = sdk_for(credentials["access_token"], cloud.urls.mercadopago)
    card = sdk.card_token().create(
        {
            "card_number": "5031755734530604",
            "expiration_month": 11,
            "expiration_year": 2030,
            "security_code": "123",
            "cardholder": {"name": "APRO", "identification": {"type": "DNI", "number": "12345678"}},
        }
    )
    assert card["status"] in (200, 201), card
    created = sdk.payment().create(
        {
            "token": card["response"]["id"],
            "transaction_amount": 25.9,
            "description": "Combo Clásico",
            "installments": 1,
            "payment_method_id": "master",
            "payer": {"email": "cliente@demo.pe"},
            "external_reference": f"{TENANT}:probe",
        }
    )
    assert created["status"] == 201, created
    fetched = sdk.payment().get(created["response"]["id"])
    assert fetched["response"]["status"] == "approved"
    assert fetched["response"]["external_reference"] == f"{TENANT}:probe"


def test_message_sent_with_smtplib_appears_in_the_mailbox(cloud) -> None:
    message = EmailMessage()
    message["From"] = "notificaciones@bembos.local"
    message["To"] = "probe@demo.pe"
    message["Subject"] = f"Prueba {uuid.uuid4().hex[:6]}"
    message.set_content("Hola")
    message.add_attachment(b"boleta", maintype="text", subtype="plain", filename="boleta.txt")
    with smtplib.SMTP("127.0.0.1", cloud.smtp_port) as smtp:
        smtp.login("notificaciones@bembos.local", "app-password-local")
        smtp.send_message(message)
    listed = HTTP.get(f"{cloud.urls.mailbox}api/messages", params={"to": "probe@demo.pe"}).json()
    assert any(m["subject"] == message["Subject"] for m in listed)


def test_bouncing_recipient_is_refused_by_the_smtp_server(cloud) -> None:
    message = EmailMessage()
    message["From"] = "notificaciones@bembos.local"
    message["To"] = f"nadie@{BOUNCING_DOMAIN}"
    message["Subject"] = "rebote"
    message.set_content("x")
    with smtplib.SMTP("127.0.0.1", cloud.smtp_port) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.send_message(message)


def test_local_cloud_serves_the_openapi_document_of_the_routed_functions(cloud) -> None:
    document = HTTP.get(cloud.urls.openapi, timeout=60).json()
    assert document["servers"] == [{"url": cloud.urls.api}]
    assert "get" in document["paths"]["/health"]


def test_the_front_page_names_each_tenants_apps_and_demo_accounts_and_links_what_runs(cloud) -> None:
    page = HTTP.get(f"{cloud.urls.base}/")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for tenant_id, entry in cloud.credentials["tenants"].items():
        assert f'href="{cloud.urls.customer_app}{tenant_id}/"' in page.text
        assert f'href="{cloud.urls.staff_app}{tenant_id}/"' in page.text
        for person in entry["accounts"]["staff"]:
            assert f"<td class='role'>{person['rol']}</td><td><code>{person['email']}</code>" in page.text
    for url in (cloud.urls.docs, cloud.urls.mailbox, cloud.urls.openapi, f"{cloud.urls.mercadopago}/"):
        assert f'href="{url}"' in page.text
    assert "Bembos2026!" in page.text and "Ctrl</kbd>-<kbd>C" in page.text
    # and every link on it opens a page (none lands on API Gateway's "Missing Authentication Token")
    links = sorted(set(re.findall(r'href="([^"]+)"', page.text)))
    assert {link: HTTP.get(link, timeout=60).status_code for link in links} == dict.fromkeys(links, 200)
    # a client asking for JSON still gets the URLs (.localcloud/urls.json)
    assert HTTP.get(f"{cloud.urls.base}/", headers={"Accept": "application/json"}).json() == cloud.urls.to_json()


def test_the_local_pages_answer_at_their_address_typed_without_its_slash(cloud) -> None:
    for page in (cloud.urls.docs, cloud.urls.mailbox, f"{cloud.urls.mercadopago}/"):
        typed = HTTP.get(page.rstrip("/"))
        assert (typed.status_code, urljoin(str(typed.url), typed.headers["location"])) == (308, page)
    docs = HTTP.get(cloud.urls.docs)
    assert docs.status_code == 200 and 'src="assets/swagger-ui-bundle.js"' in docs.text
    document = HTTP.get(f"{cloud.urls.docs}openapi.json", timeout=60).json()
    assert document["paths"]["/perfil"]["get"]["security"] == [{"sesion": []}]  # behind the authorizer
    assert document["paths"]["/usuarios/login"]["post"]["security"] == [{"tenant": []}]  # public


def test_each_request_to_the_local_cloud_is_one_access_log_line(cloud, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="localcloud.access")

    HTTP.get(f"{cloud.urls.api}health", params={"probe": "1"})

    def logged() -> list[str]:
        return [
            r.getMessage() for r in caplog.records if r.name == "localcloud.access" and "/dev/health" in r.getMessage()
        ]

    eventually(lambda: len(logged()) == 1, timeout=5)  # written once the answer is sent
    assert re.fullmatch(r"GET /dev/health 200 \d+ ms", logged()[0])


def test_the_local_dynamodb_refuses_what_aws_refuses_a_batch_write_of_more_than_25_requests(cloud) -> None:
    dynamodb = boto3.client("dynamodb")
    table = cloud.table("idempotencia")
    rows = [
        {"PutRequest": {"Item": {"tenant_id": {"S": "limites"}, "idempotency_key": {"S": f"k{n}"}}}} for n in range(26)
    ]
    with pytest.raises(ClientError) as refused:
        dynamodb.batch_write_item(RequestItems={table: rows})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 25" in refused.value.response["Error"]["Message"]
    assert not dynamodb.batch_write_item(RequestItems={table: rows[:25]}).get("UnprocessedItems")


def test_the_local_eventbridge_refuses_events_over_256_kb_as_aws_does(cloud) -> None:
    events = boto3.client("events")
    bus = (
        cloud.output("Messaging", "EventBusName")
        if "Messaging.EventBusName" in cloud.assembly.outputs
        else "bembos-dev-eventos"
    )
    big = {
        "EventBusName": bus,
        "Source": "bembos.pruebas",
        "DetailType": "Grande",
        "Detail": json.dumps({"x": "y" * 262_144}),
    }
    with pytest.raises(ClientError) as refused:
        events.put_events(Entries=[big])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    small = {**big, "Detail": json.dumps({"x": "y"})}
    assert events.put_events(Entries=[small])["FailedEntryCount"] == 0


def test_a_functions_call_outside_its_own_iam_role_is_refused_as_on_aws(cloud) -> None:
    from localcloud.aws_proxy import function_access_key

    # The platform function may read the tenants table (GET /tienda), and nothing of the users table
    as_platform = boto3.client(
        "dynamodb",
        endpoint_url=cloud.aws_proxy_url,
        aws_access_key_id=function_access_key("bembos-dev-plataforma"),
        aws_secret_access_key="local",
        region_name="us-east-1",
    )
    key = {"tenant_id": {"S": "bembos-miraflores"}}
    assert as_platform.get_item(TableName=cloud.table("tenants"), Key=key)["Item"]["name"]["S"]
    with pytest.raises(ClientError) as refused:
        as_platform.query(
            TableName=cloud.table("usuarios"),
            KeyConditionExpression="tenant_id = :t",
            ExpressionAttributeValues={":t": {"S": "bembos-miraflores"}},
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert "dynamodb:Query" in error["Message"] and "table/bembos-dev-usuarios" in error["Message"]
    # (the session's guard counts refusals the platform's own code met: this one was the test's)
    assert cloud.aws_proxy.refused.pop()["action"] == "dynamodb:Query"


def test_the_optional_index_lag_hides_a_functions_fresh_writes_from_its_index_queries_only(cloud) -> None:
    from identity_support import call, register

    cloud.aws_proxy.gsi_delay = 2.0
    try:
        # a customer registers and logs in at once: login reads through the email lock, not the index
        _, email, password = register(cloud, TENANT)
        login = call(cloud, "POST", "usuarios/login", tenant=TENANT, json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        body = {"location_id": "larco", "dispatch": "pickup", "items": [
            {"kind": "producto", "item_id": "inca-kola", "size": "500 ml", "quantity": 1}]}  # fmt: skip
        order = call(cloud, "POST", "pedidos", token=token, json=body).json()
        # the order reads back by its key at once; the customer's list (the by_customer index) lags
        assert call(cloud, "GET", f"pedidos/{order['order_id']}", token=token).status_code == 200
        assert call(cloud, "GET", "pedidos", token=token).json()["items"] == []
        shown = eventually(lambda: call(cloud, "GET", "pedidos", token=token).json()["items"], timeout=10)
        assert [o["order_id"] for o in shown] == [order["order_id"]]
    finally:
        cloud.aws_proxy.gsi_delay = 0.0
