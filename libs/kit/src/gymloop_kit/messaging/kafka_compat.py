"""Teach aiokafka InitProducerId v3, so the idempotent producer also works with Tansu.

aiokafka only implements InitProducerId v0, which carries no producer id or epoch. Apache Kafka accepts it,
but Tansu (the in-memory Kafka-protocol broker we run locally and in tests) rejects it with UNKNOWN. v3
(KIP-360) sends producer_id = -1 and producer_epoch = -1 for a new producer: the same request any Java
client sends. aiokafka negotiates the highest version both sides support, so Kafka >= 2.5 uses v3 as well.
"""

from __future__ import annotations

from typing import Any

from aiokafka.protocol import transaction
from aiokafka.protocol.api import RequestStruct, Response
from aiokafka.protocol.types import CompactString, Int16, Int32, Int64, Schema, TaggedFields


class InitProducerIdResponse_v3(Response):  # noqa: N801 - Kafka's naming of protocol versions
    API_KEY = 22
    API_VERSION = 3
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("error_code", Int16),
        ("producer_id", Int64),
        ("producer_epoch", Int16),
        ("tags", TaggedFields),
    )


class InitProducerIdRequest_v3(RequestStruct):  # noqa: N801
    FLEXIBLE_VERSION = True
    API_KEY = 22
    API_VERSION = 3
    RESPONSE_TYPE = InitProducerIdResponse_v3
    SCHEMA = Schema(
        ("transactional_id", CompactString("utf-8")),
        ("transaction_timeout_ms", Int32),
        ("producer_id", Int64),
        ("producer_epoch", Int16),
        ("tags", TaggedFields),
    )


_original_build = transaction.InitProducerIdRequest.build


def _build(self: transaction.InitProducerIdRequest, request_struct_class: Any) -> Any:
    if request_struct_class is InitProducerIdRequest_v3:
        return request_struct_class(self._transactional_id, self._transaction_timeout_ms, -1, -1, {})
    return _original_build(self, request_struct_class)


def install() -> None:
    """Idempotent; called by the producer factory."""
    request = transaction.InitProducerIdRequest
    if InitProducerIdRequest_v3 not in request._CLASSES:
        request._CLASSES = (transaction.InitProducerIdRequest_v0, InitProducerIdRequest_v3)
        request.build = _build
