"""A delivery process the crash tests can kill for real: `python delivery_worker.py MODE DB_URL BOOTSTRAP ...`.

relay-crash N   run the relay, and die (os._exit) right after the N-th publish is acknowledged, before any
                row of that batch is marked published (the relay publishes a whole batch before it marks it).
consume MS      run a consumer whose handler takes MS milliseconds per message, until killed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer
from gymloop_kit.messaging.relay import OutboxRelay
from kit_fixtures import record_effect


class RelayThatDiesBeforeMarking(OutboxRelay):
    def __init__(self, *args: object, crash_after: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.crash_after = crash_after
        self.acknowledged = 0

    async def _send_all(self, rows: Sequence[Any]) -> list[BaseException | None]:
        results = await super()._send_all(rows)
        self.acknowledged += sum(1 for result in results if result is None)
        if self.acknowledged >= self.crash_after:
            await self.producer.flush()
            os._exit(9)
        return results


async def main() -> None:
    mode, database_url, bootstrap, argument = sys.argv[1:5]
    database = Database(database_url)
    producer = create_producer(bootstrap, f"worker-{os.getpid()}")
    await producer.start()
    if mode == "relay-crash":
        relay = RelayThatDiesBeforeMarking(database, producer, service="kit", batch_size=200, crash_after=int(argument))
        await relay.run()
    elif mode == "consume":
        delay = int(argument) / 1000

        async def slow_effect(session, event, envelope):  # type: ignore[no-untyped-def]
            await asyncio.sleep(delay)
            await record_effect(session, event, envelope)

        subscriptions = Subscriptions()
        subscriptions.on(MemberArchived)(slow_effect)
        consumer = EventConsumer(name="kit-consumer", database=database, subscriptions=subscriptions,
                                 bootstrap_servers=bootstrap, dlq_producer=producer, batch_size=200)  # fmt: skip
        print("consuming", flush=True)
        await consumer.run()


if __name__ == "__main__":
    asyncio.run(main())
