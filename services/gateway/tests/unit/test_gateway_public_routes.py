import uuid

import pytest
from gymloop_gateway.edge_auth import EdgeAuth, PublicRoute
from gymloop_gateway.settings import DEFAULT_PUBLIC_ROUTES, GatewaySettings
from gymloop_kit.auth import KeyPair, TokenVerifier, issue_access_token
from gymloop_kit.errors import Unauthorized

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()


def edge() -> EdgeAuth:
    return EdgeAuth(TokenVerifier(KEYS.public_pem), DEFAULT_PUBLIC_ROUTES)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/members/auth/login"),
        ("POST", "/api/members/auth/refresh"),
        ("POST", "/api/members/auth/password-reset"),
        ("POST", "/api/members/auth/password-reset/confirm"),
        ("GET", "/api/members/auth/first-login/abc"),
        ("POST", "/api/members/auth/set-password"),
        ("POST", "/api/members/studios/signup"),
    ],
)
def test_login_type_routes_are_public(method, path):
    assert edge().is_public(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/members/auth/login"),  # only POST is public
        ("GET", "/api/members/members"),
        ("POST", "/api/members/auth/change-password"),
        ("GET", "/api/bookings/health"),
        ("POST", "/api/bookings/auth/login"),  # another service's look-alike route is not public
    ],
)
def test_everything_else_needs_a_token(method, path):
    assert not edge().is_public(method, path)


def test_a_malformed_public_route_setting_is_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match="must look like"):
        PublicRoute.parse("/api/members/auth/login")


def test_tokens_are_checked():
    auth = edge()
    studio = uuid.uuid4()
    token = issue_access_token(KEYS.private_pem, account_id=uuid.uuid4(), studio_id=studio, role="admin")
    assert auth.authenticate(f"Bearer {token}").studio_id == studio
    forged = issue_access_token(KeyPair.generate().private_pem, account_id=uuid.uuid4(), studio_id=studio, role="admin")
    with pytest.raises(Unauthorized) as refused:
        auth.authenticate(f"Bearer {forged}")
    assert refused.value.code == "invalid_token"
    for header in (None, "", "Basic abc", "Bearer "):
        with pytest.raises(Unauthorized):
            auth.authenticate(header)


def test_service_urls_and_public_routes_come_from_json_env(monkeypatch):
    monkeypatch.setenv("GYMLOOP_SERVICE_URLS", '{"members": "http://members:8000"}')
    monkeypatch.setenv("GYMLOOP_PUBLIC_ROUTES", '["POST /api/members/auth/login"]')
    settings = GatewaySettings()
    assert settings.service_urls == {"members": "http://members:8000"}
    assert settings.public_routes == ["POST /api/members/auth/login"]
    assert settings.service_name == "gateway"
    assert settings.http_port == 8000
