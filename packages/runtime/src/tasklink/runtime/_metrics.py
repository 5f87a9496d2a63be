"""Prometheus metrics of one runtime: jobs by connector and outcome, durations, in-flight.

Each :class:`Metrics` owns its registry, so several pipelines in one process (tests,
embedding applications) never collide in prometheus-client's global registry.

Under ``tasklink run --processes N`` each worker process records into prometheus-client's
multiprocess files (``PROMETHEUS_MULTIPROC_DIR``, set by the supervisor before the
library is imported) and the supervisor serves their sum; the gauges say how to combine
(``multiprocess_mode``, ignored in a single process).
"""

from __future__ import annotations

from typing import Any, Protocol

from .__about__ import __version__

__all__ = ["CONTENT_TYPE", "Metrics", "MetricsRecorder", "NullMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds; from a no-op job to a slow upstream call.
_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class MetricsRecorder(Protocol):
    """What the pipeline and the engine adapters record."""

    def job_started(self, connector: str) -> None: ...

    def job_finished(
        self, connector: str, operation: str, outcome: str, seconds: float
    ) -> None: ...

    def rejected(self, engine: str, reason: str) -> None: ...

    def render(self) -> bytes: ...


class Metrics:
    """The runtime's Prometheus metrics (``tasklink_*``) plus process metrics."""

    def __init__(self) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            ProcessCollector,
        )

        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        info = Gauge(
            "tasklink_runtime_info",
            "Version of the tasklink runtime",
            ("version",),
            registry=self.registry,
            multiprocess_mode="max",
        )
        info.labels(__version__).set(1)
        self.jobs = Counter(
            "tasklink_jobs",
            "Jobs finished, by connector, operation and outcome "
            "(completed, failed, incident, bpmn_error, cancelled, error)",
            ("connector", "operation", "outcome"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "tasklink_job_duration_seconds",
            "Time from the start of a job to its outcome",
            ("connector", "operation"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "tasklink_jobs_in_flight",
            "Jobs running now",
            ("connector",),
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.rejections = Counter(
            "tasklink_messages_rejected",
            "Engine messages that could not be used (dead-lettered or refused), by reason",
            ("engine", "reason"),
            registry=self.registry,
        )
        # labels() costs a dict lookup and a lock; jobs repeat the same few label sets.
        self._children: dict[tuple[str, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def job_started(self, connector: str) -> None:
        self._child(self.in_flight, connector).inc()

    def job_finished(self, connector: str, operation: str, outcome: str, seconds: float) -> None:
        self._child(self.in_flight, connector).dec()
        self._child(self.jobs, connector, operation, outcome).inc()
        self._child(self.duration, connector, operation).observe(seconds)

    def rejected(self, engine: str, reason: str) -> None:
        self._child(self.rejections, engine, reason).inc()

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class NullMetrics:
    """Records nothing (local invocations)."""

    def job_started(self, connector: str) -> None:
        pass

    def job_finished(self, connector: str, operation: str, outcome: str, seconds: float) -> None:
        pass

    def rejected(self, engine: str, reason: str) -> None:
        pass

    def render(self) -> bytes:
        return b""
