"""The local cloud: the synthesized dev stage running on this machine.

``LocalCloud.start()``:

1. synthesizes the app (``python app.py`` into ``cdk.out``) unless told to reuse it;
2. starts a moto server (its own process) and switches Step Functions execution on;
3. provisions every stack of ``cdk.out`` into it (``localcloud.provision``), which also
   replays the tenants' onboarding (their ``AwsCustomResource`` SDK calls);
4. starts the mailbox (SMTP), the fake Mercado Pago, the Lambda runtime, the SQS
   event-source pollers and one HTTP server for the gateway (REST + WebSocket +
   ``@connections``), the web apps, the mailbox page, the fake Mercado Pago, the API's
   interactive documentation (``/docs/``) and the front page (``/``, ``localcloud.frontpage``);
5. seeds the demo data and writes the URLs to ``.localcloud/urls.json``.

Every request to that server but static files is one ``localcloud.access`` log line
(``localcloud.console``); ``make dev`` shows those, warnings and errors, and writes the rest
to ``.localcloud/localcloud.log``.

Functions get the environment of their template. The local cloud adds only what an
AWS account would have provided (credentials, region, the endpoint of the AWS APIs
via ``AWS_ENDPOINT_URL``) and points the variables that name *external* services at
their local stand-ins: ``EXTERNAL_OVERRIDES`` below. No service has a local code path.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from localcloud import apidocs, frontpage, mercadopago_fake, openapi, webapps
from localcloud import mailbox as mailbox_module
from localcloud.aws_proxy import AwsProxy, function_access_key
from localcloud.console import INTERNAL_HEADER, AccessLog
from localcloud.esm import STANDARD_QUEUE_POLLERS, EventSourcePoller
from localcloud.gateway import MotoUsageKeys, create_gateway
from localcloud.iam import Arns
from localcloud.lambda_runtime import DEFAULT_IDLE_SECONDS, DEFAULT_MAX_CONCURRENCY, LambdaRuntime
from localcloud.model import Assembly, FunctionSpec
from localcloud.provision import LocalUrls, provision
from localcloud.serve import ThreadedServer, serve_in_thread

log = logging.getLogger("localcloud")

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".localcloud"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STAGE = "dev"
# web app -> the path it is served at (its build's base; the same as core.contracts.WEB_APP_PATHS)
WEB_APPS = {"customer": "clientes", "staff": "staff"}
# The service name of the Powertools log lines the seed writes (it runs the services' logic in this process).
SEED_SERVICE = "localcloud-seed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.1)


@dataclass
class Urls:
    base: str
    api: str
    websocket: str
    customer_app: str
    staff_app: str
    mailbox: str
    openapi: str
    docs: str
    mercadopago: str
    aws: str

    def to_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass
class LocalCloud:
    """The whole platform on loopback. Use as a context manager or call ``start``/``stop``."""

    port: int = 8000
    root: Path = ROOT
    synth: bool = True
    seed: bool = True
    quiet_functions: bool = False
    # A Lambda worker idle this long is shut down (localcloud.lambda_runtime); a test session keeps its workers.
    lambda_idle_seconds: float = DEFAULT_IDLE_SECONDS
    # Pollers per standard queue (localcloud.esm); a test session, which needs no throughput, can do with one.
    queue_pollers: int = STANDARD_QUEUE_POLLERS
    # How long each poller's ReceiveMessage waits on an empty queue. moto wakes a waiting receive when a message
    # arrives, so a longer wait adds no latency; it only makes fewer empty receives (about 20 queues: at 1 s they
    # cost the idle cloud ~0.09 of a core in requests) and makes ``stop()`` wait up to this long.
    queue_wait_seconds: int = 5
    # Workers per Lambda function at most (localcloud.lambda_runtime).
    lambda_concurrency: int = DEFAULT_MAX_CONCURRENCY
    # The cloud assembly to run (``cdk.out`` of ``root`` unless given; synthesized there when ``synth``).
    assembly_dir: Path | None = None
    # Where the process's full log goes (``make dev``: ``.localcloud/localcloud.log``), named on the front page.
    log_file: Path | None = None
    assembly: Assembly = field(init=False)
    urls: Urls = field(init=False)
    credentials: dict[str, Any] = field(default_factory=dict, init=False)
    _moto: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _servers: list[ThreadedServer] = field(default_factory=list, init=False)
    _stoppers: list[Any] = field(default_factory=list, init=False)
    _openapi_document: dict[str, Any] | None = field(default=None, init=False)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> LocalCloud:
        started = time.monotonic()
        try:
            if self.synth:
                self._synthesize()
            aws = self._start_moto()
            base = f"http://127.0.0.1:{self.port}"
            self.urls = Urls(
                base=base,
                api=f"{base}/{STAGE}/",
                websocket=f"ws://127.0.0.1:{self.port}/ws/{STAGE}",
                customer_app=f"{base}/{WEB_APPS['customer']}/",
                staff_app=f"{base}/{WEB_APPS['staff']}/",
                mailbox=f"{base}/mailbox/",
                openapi=f"{base}/openapi.json",
                docs=f"{base}/docs/",
                mercadopago=f"{base}/mercadopago",
                aws=aws,
            )
            self._set_client_environment(aws)
            self.assembly = provision(
                self._assembly_dir(),
                endpoint_url=aws,
                region=REGION,
                local_urls=LocalUrls(
                    rest=f"{base}/{{stage}}/",
                    websocket=f"ws://127.0.0.1:{self.port}/ws/{{stage}}",
                    websocket_callback=f"{base}/ws/{{stage}}",
                    web_origin=base,
                ),
            )
            self._report_assembly()
            self._start_services(aws)
            if self.seed:
                from localcloud.seed import seed_demo

                with _environment(POWERTOOLS_SERVICE_NAME=SEED_SERVICE):
                    self.credentials = seed_demo(self)
            self._write_urls()
        except BaseException:
            self.stop()
            raise
        log.info("local cloud ready in %.1f s", time.monotonic() - started)
        return self

    def stop(self) -> None:
        for stop in reversed(self._stoppers):
            with contextlib.suppress(Exception):
                stop()
        self._stoppers.clear()
        self._stop_moto()

    def _stop_moto(self) -> None:
        if self._moto is not None:
            self._moto.terminate()
            try:
                self._moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._moto.kill()
            self._moto = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- steps ----------------------------------------------------------------------------------
    def _synthesize(self) -> None:
        env = {
            **os.environ,
            "CDK_OUTDIR": str(self._assembly_dir()),
            "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        }
        env.setdefault("CDK_DEFAULT_REGION", REGION)
        log.info("synthesizing the %s stage into cdk.out", STAGE)
        result = subprocess.run(
            [sys.executable, "app.py"], cwd=self.root, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:  # jsii's Node notices are noise unless synth failed
            sys.stderr.write(result.stdout[-5000:] + result.stderr[-10000:])
            raise RuntimeError("cdk synth failed (output above)")

    def _assembly_dir(self) -> Path:
        return self.assembly_dir or self.root / "cdk.out"

    def _start_moto(self) -> str:
        port = free_port()
        env = {
            **os.environ,
            "MOTO_PORT": str(port),
            "MOTO_ACCOUNT_ID": ACCOUNT_ID,
            "LOCALCLOUD_PARENT_PID": str(os.getpid()),
        }
        self._moto = subprocess.Popen(
            [sys.executable, "-m", "localcloud.moto_launcher", "-H", "127.0.0.1", "-p", str(port)],
            cwd=self.root,  # moto with the local cloud's Step Functions fidelity fix
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        atexit.register(self._stop_moto)
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/moto-api/")
        return url

    def _set_client_environment(self, aws: str) -> None:
        """This process (seeding, tests) reaches moto exactly as the functions do, until ``stop()``."""
        values = {
            "AWS_ENDPOINT_URL": aws,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
        previous = {name: os.environ.get(name) for name in values}
        os.environ.update(values)

        def restore() -> None:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

        self._stoppers.insert(0, restore)  # stoppers run in reverse: the environment goes back last

    def _report_assembly(self) -> None:
        for item in self.assembly.unsupported:
            log.warning("NOT SUPPORTED by the local cloud: %s", item)
        for warning in self.assembly.warnings:
            log.info("approximated: %s", warning)

    def _external_overrides(self, smtp_port: int) -> dict[str, str]:
        """Variables naming services outside AWS, and where they point locally."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_STARTTLS": "false",
            "MERCADOPAGO_API_URL": self.urls.mercadopago,
            "MERCADOPAGO_SDK_URL": f"{self.urls.mercadopago}/js/v2",
            "CUSTOMER_APP_URL": self.urls.customer_app.rstrip("/"),
            "STAFF_APP_URL": self.urls.staff_app.rstrip("/"),
        }

    def _start_services(self, aws: str) -> None:
        self.mailbox = mailbox_module.Mailbox()
        smtp = mailbox_module.start_smtp_server(self.mailbox)
        self.smtp_port = int(smtp.port)
        self._stoppers.append(smtp.stop)
        self.mercadopago = mercadopago_fake.FakeMercadoPago(
            public_url=self.urls.mercadopago,
            # Mercado Pago's webhook retries (15 min to 4 days apart) made 900 times faster: the first ones 1 s apart
            webhook_time_scale=float(os.environ.get("LOCALCLOUD_MP_WEBHOOK_TIME_SCALE", "900")),
        )
        self._stoppers.append(self.mercadopago.close)

        overrides = self._external_overrides(smtp.port)
        # Each function calls AWS through the IAM-enforcing endpoint, signed with an access key of its own.
        proxy = self._start_aws_proxy(aws)
        functions = {
            name: _with_overrides(spec, overrides, access_key=function_access_key(name))
            for name, spec in self.assembly.functions.items()
        }
        base_env = {
            "AWS_ENDPOINT_URL": proxy,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            # No X-Ray daemon here: traces are switched off, everything else runs as deployed.
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_XRAY_SDK_ENABLED": "false",
            "PYTHONPATH": "",
        }
        sink = (lambda _name, _line: None) if self.quiet_functions else None
        self.runtime = LambdaRuntime(
            functions,
            base_env,
            account_id=ACCOUNT_ID,
            log_sink=sink,
            idle_seconds=self.lambda_idle_seconds,
            max_concurrency=self.lambda_concurrency,
        )
        self._stoppers.append(self.runtime.close)

        plan_ids = [plan.plan_id for api in self.assembly.rest_apis for plan in api.usage_plans]
        gateway = create_gateway(
            self.assembly.rest_apis,
            self.assembly.websocket_apis,
            self.runtime,
            region=REGION,
            account_id=ACCOUNT_ID,
            usage_keys=MotoUsageKeys(boto3.client("apigateway", endpoint_url=aws, region_name=REGION), plan_ids),
        )
        self.gateway = gateway.state.gateway
        app = AccessLog(Starlette(routes=self._routes(gateway)))
        server, _ = serve_in_thread(app, port=self.port)
        self._servers.append(server)
        self._stoppers.append(server.stop)

        self.poller = EventSourcePoller(
            self.assembly.event_source_mappings,
            self.runtime,
            aws,
            region=REGION,
            standard_pollers=self.queue_pollers,
            wait_seconds=self.queue_wait_seconds,
        )
        self.poller.start()
        self._stoppers.append(self.poller.stop)

    def _start_aws_proxy(self, aws: str) -> str:
        """The functions' AWS endpoint: their role's IAM policy enforced, then moto (localcloud.aws_proxy)."""
        self.aws_proxy = AwsProxy(
            upstream=aws,
            arns=Arns(region=REGION, account=ACCOUNT_ID),
            # optional: index queries lag behind the functions' writes, as on AWS (eventual consistency)
            gsi_delay=float(os.environ.get("LOCALCLOUD_GSI_DELAY_MS", "0")) / 1000,
        )
        self.aws_proxy.enforce(
            {name: spec.role_name for name, spec in self.assembly.functions.items() if spec.role_name},
            self.assembly.role_policies,
        )
        server, url = serve_in_thread(self.aws_proxy.app())
        self._stoppers.append(server.stop)
        self.aws_proxy_url = url
        return url

    def _routes(self, gateway: Starlette) -> list[Route | Mount]:
        docs = apidocs.create_app(self._documented_openapi, self.front_page, self.urls.api)
        routes: list[Route | Mount] = [
            Route("/", self._index),
            Route("/openapi.json", self._openapi),
            Route("/favicon.ico", _no_icon),  # what a browser asks every page without an icon of its own for
            # A page's address typed without its slash: the page, not the gateway's 403 at the root.
            *(Route(f"/{page}", _to_folder) for page in ("mailbox", "docs", "mercadopago")),
            Mount("/mailbox", mailbox_module.create_app(self.mailbox)),
            Mount("/docs", docs),
            Mount("/mercadopago", mercadopago_fake.create_app(self.mercadopago)),
        ]
        for folder, path in WEB_APPS.items():
            built = self.root / "frontends" / "dist" / folder / path
            routes.append(Mount(f"/{path}", webapps.create_app(built, self._config_route(folder))))
        routes.append(Mount("/", gateway))
        return routes

    def _config_route(self, folder: str) -> Any:
        """``/config.json`` of a web app: the Amplify 200-rewrite to ``GET /config/{app}`` of the API."""

        async def config(request: Request) -> Response:
            async with httpx.AsyncClient() as client:  # a rewrite, not a request of the person's: no access line
                answer = await client.get(f"{self.urls.api}config/{folder}", headers={INTERNAL_HEADER: "1"})
            return Response(answer.content, status_code=answer.status_code, media_type="application/json")

        return config

    async def _openapi(self, request: Request) -> Response:
        return JSONResponse(await self.openapi_document())

    async def openapi_document(self) -> dict[str, Any]:
        """The REST API's OpenAPI document, generated from the handlers of the routed functions (once)."""
        if self._openapi_document is None:
            routed = {route.function_name for api in self.assembly.rest_apis for route in api.routes}
            modules = sorted(
                {spec.handler.rsplit(".", 1)[0] for name, spec in self.assembly.functions.items() if name in routed}
            )
            schemas = await asyncio.to_thread(openapi.schemas_of, modules)
            self._openapi_document = openapi.merge(
                schemas, title="Bembos ordering platform", version="local", server_url=self.urls.api
            )
        return self._openapi_document

    async def _documented_openapi(self) -> dict[str, Any]:
        """The document as the docs page serves it: each operation says whether it takes a session or a tenant."""
        authorized = {
            (route.http_method, route.resource_path)
            for api in self.assembly.rest_apis
            for route in api.routes
            if route.authorizer is not None
        }
        return apidocs.with_security(await self.openapi_document(), authorized)

    def front_page(self) -> frontpage.FrontPage:
        """What the front page and ``make dev``'s banner say (``localcloud.frontpage``)."""
        log_file = None
        if self.log_file is not None:
            log_file = str(
                self.log_file.relative_to(self.root) if self.log_file.is_relative_to(self.root) else self.log_file
            )
        return frontpage.front_page(self.urls.to_json(), self.credentials, log_file=log_file)

    async def _index(self, request: Request) -> Response:
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(self.urls.to_json())
        return HTMLResponse(frontpage.as_html(self.front_page()), headers={"Cache-Control": "no-cache"})

    def _write_urls(self) -> None:
        STATE_DIR.mkdir(exist_ok=True)
        (STATE_DIR / "urls.json").write_text(json.dumps(self.urls.to_json(), indent=2) + "\n")

    # -- helpers for scripts and tests -----------------------------------------------------------
    def output(self, stack: str, key: str) -> str:
        return self.assembly.outputs[f"{stack}.{key}"]

    @property
    def prefix(self) -> str:
        """The stage's prefix of physical names (StageConfig.prefix)."""
        return f"bembos-{STAGE}"

    def table(self, short_name: str) -> str:
        return f"{self.prefix}-{short_name}"

    def emulator_pid(self) -> int:
        """The process id of the AWS emulator (moto's server), 0 when it is not running."""
        return self._moto.pid if self._moto is not None else 0


def _with_overrides(spec: FunctionSpec, overrides: dict[str, str], *, access_key: str) -> FunctionSpec:
    env = {k: overrides.get(k, v) for k, v in spec.environment.items()}
    env["AWS_ACCESS_KEY_ID"] = access_key  # who is calling, for the IAM-enforcing endpoint
    return dataclasses.replace(spec, environment=env)


async def _no_icon(request: Request) -> Response:
    return Response(status_code=204)


async def _to_folder(request: Request) -> Response:
    return RedirectResponse(f"{request.url.path}/", status_code=308)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """``os.environ`` with ``values`` set, as it was afterwards."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[LocalCloud]:
    cloud = LocalCloud(**kwargs)
    try:
        yield cloud.start()
    finally:
        cloud.stop()
