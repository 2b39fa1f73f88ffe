"""Consumer lag: for each partition assigned to this consumer, the broker's end offset minus the group's
committed offset (the log's start when nothing was committed yet: the group starts at the earliest record).

Read from the broker at scrape time, so a consumer that is stuck, or busy with a batch it has not committed,
shows the records behind it; with read_committed the end offset is the last stable one."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition


async def partition_lags(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    partitions = sorted(consumer.assignment())
    if not partitions:
        return {}
    ends = await consumer.end_offsets(partitions)
    starts: dict[TopicPartition, int] | None = None
    lags: dict[TopicPartition, int] = {}
    for partition in partitions:
        committed = await consumer.committed(partition)
        if committed is None:
            starts = starts or await consumer.beginning_offsets(partitions)
            committed = starts[partition]
        lags[partition] = max(0, ends[partition] - committed)
    return lags
