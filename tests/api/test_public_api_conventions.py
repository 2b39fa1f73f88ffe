"""The public API as a client developer sees it at the gateway: the merged OpenAPI document of the real
services, and /docs pages that load nothing from another origin.

No server and no database: the services' apps answer /openapi.json and /docs without their lifespan, and
the gateway reaches them in-process.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from gymloop_billing.app import create_app as billing_app
from gymloop_bookings.app import create_app as bookings_app
from gymloop_devstack.testing import service_client
from gymloop_gateway.app import create_app as gateway_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_importer.app import create_app as importer_app
from gymloop_kit.auth import KeyPair
from gymloop_kit.settings import ServiceSettings
from gymloop_members.app import create_app as members_app
from gymloop_notifications.app import create_app as notifications_app

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
SERVICES = {
    "members": members_app,
    "billing": billing_app,
    "bookings": bookings_app,
    "notifications": notifications_app,
    "importer": importer_app,
}
OPERATIONS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
OPERATION_ID = re.compile(r"^(gateway|members|billing|bookings|notifications|importer)\.[a-z][a-zA-Z0-9]*$")
PROBLEM_REF = "#/components/schemas/Problem"


def service_apps() -> dict[str, FastAPI]:
    return {
        name: create(
            ServiceSettings(service_name=name, jwt_private_key=KEYS.private_pem, jwt_public_key=KEYS.public_pem)
        )
        for name, create in SERVICES.items()
    }


class InProcess(httpx.AsyncBaseTransport):
    """The gateway's upstream calls, answered by the services' apps by host name."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {name: httpx.ASGITransport(app=app) for name, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


@pytest.fixture(scope="module")
async def gateway():
    settings = GatewaySettings(
        service_urls={name: f"http://{name}" for name in SERVICES}, jwt_public_key=KEYS.public_pem
    )
    async with service_client(gateway_app(settings, transport=InProcess(service_apps()))) as client:
        yield client


@pytest.fixture(scope="module")
async def merged(gateway) -> dict:
    document = (await gateway.get("/openapi.json")).json()
    assert {state["status"] for state in document["x-gymloop-services"].values()} == {"included"}
    return document


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def test_the_merged_document_has_every_services_operations(merged):
    prefixes = {path.split("/")[3] for _, path, _ in operations(merged) if path.startswith("/api/")}
    assert prefixes == {*SERVICES, "views"}  # the gateway's own views, beside the services
    assert [path for _, path, _ in operations(merged) if path.startswith("/api/") and path[:8] != "/api/v1/"] == []
    assert len(operations(merged)) > 100


def test_every_operation_has_a_short_unique_namespaced_id(merged):
    ids = [operation.get("operationId", "") for _, _, operation in operations(merged)]
    assert [id_ for id_ in ids if not OPERATION_ID.match(id_) or len(id_) > 40] == []
    duplicates = sorted({id_ for id_ in ids if ids.count(id_) > 1})
    assert duplicates == []
    sign_up = merged["paths"]["/api/v1/bookings/sessions/{session_id}/bookings"]["post"]
    assert sign_up["operationId"] == "bookings.signUp"


def test_every_operation_has_a_summary_and_a_description(merged):
    assert [(m, p) for m, p, operation in operations(merged) if not operation.get("summary")] == []
    assert [(m, p) for m, p, operation in operations(merged) if not operation.get("description")] == []


def test_every_operation_documents_its_errors_with_the_one_problem_schema(merged):
    schemas = merged["components"]["schemas"]
    assert "Problem" in schemas
    assert [name for name in schemas if name.endswith(".Problem")] == []  # one schema, not one per service
    for method, path, operation in operations(merged):
        errors = {status: answer for status, answer in operation["responses"].items()
                  if status == "default" or status[0] in "45"}  # fmt: skip
        assert "default" in errors, (method, path)
        for status, answer in errors.items():
            schema = answer["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": PROBLEM_REF}, (method, path, status)


def test_every_reference_in_the_merged_document_resolves(merged):
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(merged).replace("'", '"')))
    assert refs
    assert sorted(refs - set(merged["components"]["schemas"])) == []


# Lists answered whole, each with why it stays small; every other list operation is paged.
UNPAGED_LISTS = {
    "billing.listPlans": "the studio's plan catalogue: tens of plans, shown whole in a picker",
    "billing.listPublicPlans": "the visible part of the plan catalogue, on a studio's public page",
    "billing.listProducts": "the shop's catalogue: tens of products, shown whole",
    "billing.listMemberSubscriptions": "one member's subscriptions: a few over the years",
    "billing.getRevenueReport": "one row per month of the range asked for",
    "bookings.getAgenda": "one entry per day, at most 31 days",
    "bookings.getPublicAgenda": "one entry per day, at most 14 days",
    "bookings.getMemberPersonalBests": "one per benchmark workout and scaling the member has results for",
    "bookings.listLocations": "the studio's locations: a handful",
    "bookings.listSessionTypes": "the studio's session types: tens",
    "bookings.listMemberWaitlist": "only the sessions the member still waits for",
    "bookings.getOccupancyReport": "one row per weekday, hour, location or session type",
    "bookings.getAttendance": "one session's bookings, bounded by its capacity",
    "members.listChecklistTemplates": "the studio's checklist templates: tens",
    "members.listTags": "the studio's tags: tens, shown whole in a picker",
}
PAGE_FIELDS = {"items", "total", "limit", "offset"}


def answer_schema(document: dict, operation: dict) -> dict:
    schema = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def is_page(schema: dict) -> bool:
    properties = schema.get("properties", {})
    return set(properties) == PAGE_FIELDS and properties["items"].get("type") == "array"


def list_operations(document: dict) -> list[tuple[str, str, dict]]:
    """Every GET that answers an array or a page."""
    return [
        (method, path, operation)
        for method, path, operation in operations(document)
        if method == "GET"
        and (answer_schema(document, operation).get("type") == "array" or is_page(answer_schema(document, operation)))
    ]


def test_every_list_operation_is_paged_with_limit_and_offset_unless_it_stays_small(merged):
    lists = list_operations(merged)
    assert len(lists) > 20
    unpaged, without_parameters = [], []
    for _, path, operation in lists:
        if operation["operationId"] in UNPAGED_LISTS:
            continue
        if not is_page(answer_schema(merged, operation)):
            unpaged.append(path)
        query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if not {"limit", "offset"} <= set(query) or query["limit"].get("required"):
            without_parameters.append(path)
    assert unpaged == []
    assert without_parameters == []


def test_the_unpaged_lists_are_lists_that_exist(merged):
    listed = {operation["operationId"] for _, _, operation in list_operations(merged)}
    assert sorted(set(UNPAGED_LISTS) - listed) == []


def test_the_pages_share_the_limit_bounds(merged):
    for _, path, operation in list_operations(merged):
        if operation["operationId"] in UNPAGED_LISTS:
            continue
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")["schema"]
        assert (limit.get("minimum"), limit.get("maximum"), limit.get("default")) == (1, 500, 50), path


def query_parameters(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, parameter["name"], parameter["schema"])
        for _, path, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]


def test_every_day_or_month_in_a_query_is_the_kits_type_that_accepts_what_people_type(merged):
    days = [(path, name, schema) for path, name, schema in query_parameters(merged) if schema.get("format") == "date"]
    months = [(path, name, schema) for path, name, schema in query_parameters(merged) if name.endswith("month")]
    assert len(days) >= 3
    assert len(months) >= 2
    assert [(path, name) for path, name, schema in days if schema.get("examples") != ["2026-11-05"]] == []
    assert [(path, name) for path, name, schema in months if schema.get("examples") != ["2026-11"]] == []


# Links that point outside this API, each with why; every other *_url in an answer is a path through the gateway.
EXTERNAL_LINKS = {
    "redirect_url": "the member's bank (iDEAL), where the payment is approved",
    "return_url": "the client's own page the bank sends the member back to (sent by the client)",
}


def test_every_link_in_an_answer_is_documented_as_a_path_through_the_gateway(merged):
    links = [
        (name, field, schema.get("description", ""))
        for name, component in merged["components"]["schemas"].items()
        for field, schema in component.get("properties", {}).items()
        if field.endswith("_url") and field not in EXTERNAL_LINKS
    ]
    assert len(links) >= 5
    assert [(name, field) for name, field, description in links if "through the gateway" not in description] == []


class References(HTMLParser):
    """Every URL a page makes the browser load: src and href attributes, and Swagger UI's document url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"""\b(?:url|spec-url)\s*:\s*['"]([^'"]+)['"]""", data)


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


async def assert_offline_page(client: httpx.AsyncClient, page: str) -> None:
    answer = await client.get(page)
    assert answer.status_code == 200
    page_url = str(answer.url)
    urls = references(answer.text)
    assert len(urls) >= 3  # the script, the style sheet (or fonts) and the OpenAPI document at least
    origin = urlsplit(page_url)[:2]
    for url in urls:
        absolute = urljoin(page_url, url)
        assert urlsplit(absolute)[:2] == origin, f"{page} loads {url} from another origin"
        assert (await client.get(absolute)).status_code == 200, f"{page} refers to {url}, which does not answer"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_gateways_docs_pages_load_only_their_own_assets(gateway, page):
    await assert_offline_page(gateway, page)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_services_docs_pages_load_only_their_own_assets(page):
    app = service_apps()["bookings"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bookings") as client:
        await assert_offline_page(client, page)
