"""Every service's operation ids and offline docs pages, from create_service_app."""

import httpx
import pytest
from fastapi import APIRouter
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.http.api_docs import camel_case
from gymloop_kit.settings import ServiceSettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sign_up", "signUp"), ("get_member_account", "getMemberAccount"), ("health", "health"), ("_x_y", "xY")],
)
def test_camel_case(name, expected):
    assert camel_case(name) == expected


async def test_operation_ids_are_the_camel_cased_function_names_and_docstrings_describe():
    router = APIRouter()

    @router.get("/members/{member_id}/mandate", summary="A member's mandate")
    async def get_mandate(member_id: str) -> dict[str, str]:
        """The mandate with its next sequence type."""
        return {}

    @router.post("/sessions/{session_id}/bookings", operation_id="signUp", summary="Sign up")
    async def post_booking(session_id: str) -> dict[str, str]:
        return {}

    app = create_service_app(ServiceSpec(name="demo", description="d", routers=[router]), ServiceSettings())
    document = app.openapi()
    mandate = document["paths"]["/members/{member_id}/mandate"]["get"]
    assert mandate["operationId"] == "getMandate"
    assert mandate["description"] == "The mandate with its next sequence type."
    assert document["paths"]["/sessions/{session_id}/bookings"]["post"]["operationId"] == "signUp"
    assert document["paths"]["/health"]["get"]["operationId"] == "health"


async def test_docs_assets_are_served_by_the_service_itself():
    app = create_service_app(ServiceSpec(name="demo", description="d"), ServiceSettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://demo") as client:
        page = (await client.get("/docs")).text
        assert "cdn" not in page.lower()
        assert "https://" not in page
        script = await client.get("/docs/assets/swagger-ui-bundle.js")
        assert script.status_code == 200
        assert "SwaggerUIBundle" in script.text
