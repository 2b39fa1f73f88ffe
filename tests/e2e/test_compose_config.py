"""docker-compose.yml cannot run on these machines (no Docker engine), so it is checked against the code:
every GYMLOOP_* variable it sets is a setting the service reads, every service of the catalogue is there,
and every one has a healthcheck on /ready."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml
from gymloop_contracts.registry import SERVICES
from gymloop_kit.settings import MailSettings, ServiceSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
INFRASTRUCTURE = {"postgres", "kafka", "mail"}
# The services with a database and events; the gateway and the web app hold nothing durable.
BACKENDS = [service for service in SERVICES if service not in ("gateway", "web")]
# Every process but the web app verifies tokens; the web app passes the user's token on to the gateway.
TOKEN_VERIFIERS = [service for service in SERVICES if service != "web"]


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def settings_classes(service: str) -> list[type[ServiceSettings]]:
    """The kit's settings plus whatever subclass the service declares in gymloop_<service>.settings."""
    found: list[type[ServiceSettings]] = [ServiceSettings]
    try:
        module = importlib.import_module(f"gymloop_{service}.settings")
    except ModuleNotFoundError:
        return found
    found += [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, ServiceSettings) and value is not ServiceSettings
    ]
    return found


def setting_names(service: str) -> set[str]:
    return {f"GYMLOOP_{name.upper()}" for cls in settings_classes(service) for name in cls.model_fields}


def test_every_service_of_the_catalogue_is_in_compose():
    services = compose()["services"]
    assert set(SERVICES) <= set(services), f"missing: {set(SERVICES) - set(services)}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_gymloop_variable_is_a_setting_the_service_reads(service):
    environment = compose()["services"][service]["environment"]
    assert isinstance(environment, dict), "use the mapping form of `environment`"
    unknown = sorted(key for key in environment if key.startswith("GYMLOOP_") and key not in setting_names(service))
    assert not unknown, f"{service} is given settings it does not read: {unknown}"
    assert environment["GYMLOOP_SERVICE_NAME"] == service
    assert str(environment["GYMLOOP_HTTP_PORT"]) == "8000"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_built_from_the_shared_dockerfile_with_a_readiness_healthcheck(service):
    definition = compose()["services"][service]
    assert definition["build"]["dockerfile"] == "deploy/Dockerfile"
    assert definition["build"]["args"]["SERVICE"] == service
    assert (ROOT / "deploy" / "Dockerfile").is_file()
    probe = " ".join(definition["healthcheck"]["test"])
    assert "/ready" in probe


def test_infrastructure_has_healthchecks_and_services_wait_for_it():
    services = compose()["services"]
    for name in INFRASTRUCTURE:
        assert services[name].get("healthcheck"), f"{name} has no healthcheck"
    for service in BACKENDS:
        depends = services[service]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["kafka"]["condition"] == "service_healthy"
        assert services[service]["environment"]["GYMLOOP_DATABASE_URL"].endswith(f"@postgres:5432/{service}")


def test_only_members_gets_the_signing_key_and_the_gateway_knows_every_service():
    from gymloop_gateway.settings import GatewaySettings

    services = compose()["services"]
    holders = [name for name, svc in services.items() if "GYMLOOP_JWT_PRIVATE_KEY" in (svc.get("environment") or {})]
    assert holders == ["members"]
    for service in TOKEN_VERIFIERS:
        assert "GYMLOOP_JWT_PUBLIC_KEY" in services[service]["environment"]
    urls = services["gateway"]["environment"]["GYMLOOP_SERVICE_URLS"]
    gateway = GatewaySettings.model_validate({"service_urls": yaml.safe_load(urls)})
    assert set(gateway.service_urls) == set(BACKENDS)


def test_the_gateway_serves_the_web_app_which_reaches_only_the_gateway():
    services = compose()["services"]
    gateway, web = services["gateway"], services["web"]
    assert gateway["environment"]["GYMLOOP_WEB_URL"] == "http://web:8000"
    assert web["environment"]["GYMLOOP_WEB_GATEWAY_URL"] == "http://gateway:8000"
    assert "ports" not in web, "browsers reach the back office through the gateway only"
    secrets = web["environment"]["GYMLOOP_WEB_SESSION_SECRETS"]
    assert secrets.startswith("${GYMLOOP_WEB_SESSION_SECRETS:?"), "the session keys come from .env, never a default"
    assert "GYMLOOP_WEB_SESSION_SECRETS=" in (ROOT / "deploy" / ".env.example").read_text()
    # Each believes the other's X-Forwarded-* (the browser's address and scheme), and no one else's.
    gateway_address = gateway["networks"]["default"]["ipv4_address"]
    web_address = web["networks"]["default"]["ipv4_address"]
    assert yaml.safe_load(web["environment"]["GYMLOOP_TRUSTED_PROXIES"]) == [gateway_address]
    assert yaml.safe_load(gateway["environment"]["GYMLOOP_TRUSTED_PROXIES"]) == [web_address]


@pytest.mark.parametrize("service", ["members", "notifications"])
def test_the_services_that_send_mail_get_every_smtp_setting_from_the_env_file(service):
    environment = compose()["services"][service]["environment"]
    for name in (f"GYMLOOP_{field.upper()}" for field in MailSettings.model_fields if field.startswith("smtp_")):
        assert str(environment.get(name, "")).startswith(f"${{{name}:-"), f"{service}: {name} is not taken from .env"
    example = (ROOT / "deploy" / ".env.example").read_text()
    named = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if "GYMLOOP_SMTP_" in line.split("=")[0]}
    assert named, "deploy/.env.example shows no GYMLOOP_SMTP_* settings"
    assert named <= set(environment), f"deploy/.env.example names settings compose does not pass: {named}"


def test_the_postgres_init_script_makes_one_database_per_service():
    script = (ROOT / "deploy" / "postgres" / "init-databases.sh").read_text()
    for service in BACKENDS:
        assert service in script
