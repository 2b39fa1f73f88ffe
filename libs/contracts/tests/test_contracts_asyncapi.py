import pytest
from gymloop_contracts.asyncapi import asyncapi_document
from gymloop_contracts.events.billing import SubscriptionActivated

pytestmark = pytest.mark.unit


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
