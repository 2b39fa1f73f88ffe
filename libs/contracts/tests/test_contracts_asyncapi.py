import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from gymloop_contracts import CATALOGUE, dlq_topic, topics
from gymloop_contracts.asyncapi import asyncapi_document
from gymloop_contracts.events.billing import SubscriptionActivated
from gymloop_kit.auth import KeyPair
from gymloop_kit.settings import ServiceSettings

pytestmark = pytest.mark.unit

ALL_TOPICS = set(topics(CATALOGUE))


def test_asyncapi_lists_what_a_service_publishes_and_consumes():
    doc = asyncapi_document("bookings", consumes=[SubscriptionActivated])
    assert doc["asyncapi"] == "3.0.0"
    assert doc["operations"]["publishSessionBookedV1"]["action"] == "send"
    assert doc["operations"]["consumeSubscriptionActivatedV1"]["action"] == "receive"
    assert doc["channels"]["SessionBookedV1"]["address"] == "SessionBooked"
    assert "publishSubscriptionActivatedV1" not in doc["operations"]
    payload = doc["components"]["schemas"]["SubscriptionActivatedV1"]
    assert "credits" in payload["properties"]
    for operation in doc["operations"].values():
        ref = operation["channel"]["$ref"].removeprefix("#/channels/")
        assert ref in doc["channels"]
    assert doc["channels"]["SubscriptionActivatedV1DeadLetters"]["address"] == "SubscriptionActivated.DLQ"
    assert doc["operations"]["deadLetterSubscriptionActivatedV1"]["action"] == "send"


SPEC = Path(__file__).with_name("asyncapi_spec") / "asyncapi-3.0.0.json"


def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SPEC.read_text()))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


async def _served_document(service: str) -> dict[str, Any]:
    """What the service answers at /asyncapi.json (its app built as in production, no lifespan needed)."""
    app_module = importlib.import_module(f"gymloop_{service}.app")
    keys = KeyPair.generate()  # members refuses to start without its signing key
    settings = ServiceSettings(service_name=service, jwt_private_key=keys.private_pem, jwt_public_key=keys.public_pem)
    app = app_module.create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        answer = await client.get("/asyncapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


SERVICES = sorted({model.owner for model in CATALOGUE})


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_serves_a_valid_asyncapi_3_document_with_real_dlq_topics(service):
    document = await _served_document(service)
    errors = [f"{list(error.absolute_path)}: {error.message[:200]}" for error in _validator().iter_errors(document)]
    assert errors == [], f"{service}'s /asyncapi.json is not valid AsyncAPI 3.0.0"
    for ref in _refs(document):
        assert ref.startswith("#/"), ref
        _resolve(document, ref)  # a KeyError names the dangling reference
    addresses = {channel["address"] for channel in document["channels"].values()}
    consumed = [op for op in document["operations"].values() if op["action"] == "receive"]
    for operation in consumed:
        topic = _resolve(document, operation["channel"]["$ref"])["address"]
        assert dlq_topic(topic) in addresses, f"{service} consumes {topic} but has no {dlq_topic(topic)} channel"
        assert dlq_topic(topic) in operation["summary"]
    for channel in document["channels"].values():
        address = channel["address"]
        assert address in ALL_TOPICS, f"{address} is not a topic any service creates"


def test_the_validator_rejects_what_asyncapi_3_forbids():
    document = asyncapi_document("bookings", consumes=[SubscriptionActivated])
    assert list(_validator().iter_errors(document)) == []
    document["operations"]["publishSessionBookedV1"]["action"] = "publish"  # AsyncAPI 2 wording
    assert len(list(_validator().iter_errors(document))) == 1
