"""Benchmark: what tracing costs a request, off (no endpoint) against on (every span exported over OTLP/HTTP).

Starts a real PostgreSQL (embedded) and the Kafka-protocol broker, builds the same kit service twice with
create_service_app (one without an endpoint, one exporting to an OTLP receiver running as its own process),
and sends the same requests to each in alternating rounds, in process over ASGI: each request is a route with
the kit's per-request transaction and two SQL statements, so traced it makes three spans. The receiver counts
the spans it got, which shows the traced app really exported them.
Prints progress on stderr and, as the LAST line, one JSON object with off_rps, on_rps, ratio (on/off),
p50/p99 latency of each, spans_received and spans_expected (and the sizes).
Usage: uv run --frozen python bench/tracing.py [--requests 500] [--rounds 4] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from gymloop_devstack.infra import EmbeddedPostgres, TansuBroker, create_database, free_port, wait_for_port
from gymloop_devstack.testing import service_client
from gymloop_kit.app import ServiceSpec, Session, create_service_app
from gymloop_kit.auth import KeyPair
from gymloop_kit.messaging.tables import metadata as delivery_metadata
from gymloop_kit.settings import ServiceSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

SPANS_PER_REQUEST = 3  # the request's, and one per statement

router = APIRouter()


@router.get("/items/{item_id}")
async def item(item_id: int, session: Session) -> dict[str, int]:
    found = (await session.execute(text("SELECT :id + 1"), {"id": item_id})).scalar_one()
    await session.execute(text("SELECT count(*) FROM outbox"))
    return {"id": int(found)}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def receive_otlp(port: int, counted: Any) -> None:
    """The collector's part that matters here, in its own process: OTLP/HTTP protobuf, spans counted."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    answer = ExportTraceServiceResponse().SerializeToString()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["Content-Length"])))
            spans = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
            with counted.get_lock():
                counted.value += spans
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return None

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed_round(client: httpx.AsyncClient, requests: int, concurrency: int) -> tuple[float, list[float]]:
    paths = iter(range(requests))
    latencies: list[float] = []

    async def worker() -> None:
        for n in paths:
            started = time.perf_counter()
            answer = await client.get(f"/items/{n}")
            latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"GET /items/{n}: {answer.status_code} {answer.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def app_for(settings: ServiceSettings) -> FastAPI:
    return create_service_app(ServiceSpec(name="tracebench", description="tracing benchmark", routers=[router]),
                              settings)  # fmt: skip


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    postgres = EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = TansuBroker(log_path=workdir / "tansu.log").start()
    counted = multiprocessing.Value("q", 0)
    port = free_port()
    receiver = multiprocessing.Process(target=receive_otlp, args=(port, counted), daemon=True)
    receiver.start()
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        await create_database(postgres.dsn(), "tracing_bench")
        url = postgres.url("tracing_bench")
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(delivery_metadata.create_all)
        await engine.dispose()
        for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            os.environ.pop(name, None)
        common: dict[str, Any] = {
            "database_url": url, "kafka_bootstrap_servers": broker.bootstrap_servers, "relay_enabled": False,
            "consumer_enabled": False, "log_level": "WARNING", "database_pool_size": args.concurrency,
            "jwt_public_key": KeyPair.generate().public_pem,
        }  # fmt: skip
        untraced = app_for(ServiceSettings(service_name="tracebench", **common))
        traced = app_for(
            ServiceSettings(service_name="tracebench", tracing_otlp_endpoint=f"http://127.0.0.1:{port}", **common)
        )
        figures: dict[str, list[float]] = {"off": [], "on": []}
        latencies: dict[str, list[float]] = {"off": [], "on": []}
        async with service_client(untraced) as off, service_client(traced) as on:
            clients = {"off": off, "on": on}
            for client in clients.values():  # warm-up: connections, prepared statements
                await timed_round(client, min(200, args.requests), args.concurrency)
            warm_spans = SPANS_PER_REQUEST * min(200, args.requests)
            for round_number in range(args.rounds):
                order = ("off", "on") if round_number % 2 == 0 else ("on", "off")
                for name in order:
                    seconds, round_latencies = await timed_round(clients[name], args.requests, args.concurrency)
                    figures[name].append(args.requests / seconds)
                    latencies[name] += round_latencies
                    log(f"round {round_number + 1} {name}: {args.requests / seconds:.0f} req/s")
        # The traced app's lifespan ended: its provider flushed every queued span to the receiver.
        expected = warm_spans + SPANS_PER_REQUEST * args.requests * args.rounds
        off_rps, on_rps = statistics.median(figures["off"]), statistics.median(figures["on"])
        return {
            "requests_per_round": args.requests, "rounds": args.rounds, "concurrency": args.concurrency,
            "off_rps": round(off_rps, 1), "on_rps": round(on_rps, 1), "ratio": round(on_rps / off_rps, 3),
            "off_p50_ms": round(percentile(latencies["off"], 0.5), 2),
            "off_p99_ms": round(percentile(latencies["off"], 0.99), 2),
            "on_p50_ms": round(percentile(latencies["on"], 0.5), 2),
            "on_p99_ms": round(percentile(latencies["on"], 0.99), 2),
            "spans_received": counted.value, "spans_expected": expected,
        }  # fmt: skip
    finally:
        receiver.terminate()
        broker.stop()
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per round and app")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tracing-") as workdir:
        result = asyncio.run(run(args, Path(workdir)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
