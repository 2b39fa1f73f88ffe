"""Prometheus metrics of background work: supervised task failures and periodic job steps.

The label is `task`, not `job`: Prometheus sets `job` itself on every scraped series."""

from prometheus_client import Counter

task_failures = Counter(
    "gymloop_task_failures_total", "Supervised background tasks that failed and were restarted", ["service", "task"]
)
job_runs = Counter("gymloop_job_runs_total", "Steps of periodic jobs, by outcome (ok, failed)", ["task", "outcome"])
