"""Prometheus metrics at ``/metrics``: requests by view and status, and cheap database figures.

Request counts and latencies are ``prometheus_client`` metrics. Under ``haochaping serve
--production`` every gunicorn worker process writes them to files in ``PROMETHEUS_MULTIPROC_DIR``
and the scrape sums them across workers (``MultiProcessCollector``; docs/decisions.md says why).
Without that variable (tests, ``runserver``) they live in the process.

The database figures (queue, outbox, bad reviews, ratings) are read at scrape time, once per
scrape, from small indexed sets: the jobs not yet done, undelivered outbox messages, open
rectifications and this month's per-unit rating summaries. They are global, so any web process
can answer them.

``/metrics`` answers only clients on the networks of ``HAOCHAPING_MONITORING["METRICS_ALLOW"]``
(default loopback) or holding ``METRICS_TOKEN`` as a bearer token.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import os
from collections.abc import Iterator
from functools import lru_cache

from django.db.models import Count, Min, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from haochaping.core.clock import now as clock_now
from haochaping.core.conf import monitoring_setting

# Not registered in the global registry: each scrape builds its own (below), so the same
# objects serve the single-process and the multi-process case.
REQUESTS = Counter(
    "haochaping_http_requests",
    "HTTP requests answered, by view (URL name), method and status.",
    ["view", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "haochaping_http_request_duration_seconds",
    "Time from the first middleware to the response, by view and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)


def request_observe(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view, method, str(status)).inc()
    LATENCY.labels(view, method).observe(seconds)


def _age(now: dt.datetime, since: dt.datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


class DatabaseCollector(Collector):
    """Queue, outbox, bad-review and rating figures, read once per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock_now()
        yield from self._queue(now)
        yield from self._outbox(now)
        yield from self._rectifications()
        yield from self._ratings(now)

    def _queue(self, now: dt.datetime) -> Iterator[GaugeMetricFamily]:
        from haochaping.jobs.conf import jobs_setting
        from haochaping.jobs.models import WorkerHeartbeat
        from haochaping.jobs.selectors import queue_stats

        depth = GaugeMetricFamily(
            "haochaping_jobs_queued",
            "Background jobs not finished, by queue and state.",
            labels=["queue", "state"],
        )
        age = GaugeMetricFamily(
            "haochaping_jobs_oldest_ready_age_seconds",
            "Age of the oldest job that could run now (0 when none waits).",
            labels=["queue"],
        )
        for stats in queue_stats(now=now):
            depth.add_metric([stats.queue, "ready"], stats.ready)
            depth.add_metric([stats.queue, "scheduled"], stats.scheduled)
            depth.add_metric([stats.queue, "running"], stats.running)
            depth.add_metric([stats.queue, "parked"], stats.parked)
            age.add_metric([stats.queue], stats.lag_seconds or 0.0)
        yield depth
        yield age
        cutoff = now - dt.timedelta(seconds=float(jobs_setting("LEASE_SECONDS")))
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True)
        newest = last.first()
        alive = WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).count()
        yield GaugeMetricFamily(
            "haochaping_jobs_workers_alive",
            "Worker processes whose heartbeat is within the lease.",
            value=alive,
        )
        yield GaugeMetricFamily(
            "haochaping_jobs_heartbeat_age_seconds",
            "Seconds since the newest worker heartbeat (-1 when no worker ever beat).",
            value=_age(now, newest) if newest is not None else -1.0,
        )

    def _outbox(self, now: dt.datetime) -> Iterator[GaugeMetricFamily]:
        from haochaping.dataout.enums import MessageStatus
        from haochaping.dataout.models import OutboxMessage

        # Only undelivered rows: the condition of the partial index dataout_undelivered_key_idx.
        undelivered = OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED)
        counts = dict(undelivered.values_list("status").annotate(n=Count("id")).order_by())
        backlog = GaugeMetricFamily(
            "haochaping_outbox_messages",
            "Outbox messages to the regional platform not yet delivered, by status.",
            labels=["status"],
        )
        for status in (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.DEAD):
            backlog.add_metric([str(status)], counts.get(status, 0))
        yield backlog
        oldest = undelivered.filter(
            status__in=[MessageStatus.PENDING, MessageStatus.SENDING]
        ).aggregate(t=Min("created_at"))["t"]
        yield GaugeMetricFamily(
            "haochaping_outbox_oldest_age_seconds",
            "Age of the oldest pending or sending outbox message (0 when none).",
            value=_age(now, oldest),
        )

    def _rectifications(self) -> Iterator[GaugeMetricFamily]:
        from haochaping.rectification.enums import Status
        from haochaping.rectification.models import Rectification

        overdue = Q(contact_overdue=True) | Q(feedback_overdue=True) | Q(close_overdue=True)
        row = Rectification.objects.filter(status__in=Status.open_values()).aggregate(
            open=Count("pk"), overdue=Count("pk", filter=overdue)
        )
        yield GaugeMetricFamily(
            "haochaping_bad_reviews_open",
            "Bad-review rectifications not closed.",
            value=row["open"],
        )
        yield GaugeMetricFamily(
            "haochaping_bad_reviews_overdue",
            "Open rectifications past a deadline (contact, feedback or close), as last swept.",
            value=row["overdue"],
        )

    def _ratings(self, now: dt.datetime) -> Iterator[GaugeMetricFamily]:
        from django.utils import timezone

        from haochaping.ratings.enums import Channel
        from haochaping.results.models import UnitMonthCount

        month = timezone.localtime(now).date().replace(day=1)
        counts = dict(
            UnitMonthCount.objects.filter(month=month)
            .values_list("channel")
            .annotate(n=Sum("count"))
            .order_by()
        )
        family = GaugeMetricFamily(
            "haochaping_ratings_received_this_month",
            "Valid ratings received this (local) month, by channel (GB/T 39046 code); "
            "excluded ratings are taken out again.",
            labels=["channel"],
        )
        for channel in Channel:
            family.add_metric([channel.value], counts.get(channel.value) or 0)
        yield family


def registry() -> CollectorRegistry:
    """A registry for one scrape: request metrics (summed over processes) plus the database's."""
    reg = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(reg)
    else:
        reg.register(REQUESTS)
        reg.register(LATENCY)
    reg.register(DatabaseCollector())
    return reg


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(n.strip(), strict=False) for n in spec.split(",") if n.strip()
    )


def _in_networks(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(str(monitoring_setting("METRICS_ALLOW"))))


def metrics_allowed(request: HttpRequest) -> bool:
    """The bearer token, or both the connecting peer and (behind a proxy) the client it names on
    the allowed networks. Checking the peer too means a forged X-Forwarded-For from outside
    cannot pass; checking the client means requests relayed by the local nginx do not pass."""
    from haochaping.accounts.client_ip import client_ip

    token = str(monitoring_setting("METRICS_TOKEN"))
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    peer = request.META.get("REMOTE_ADDR", "")
    return _in_networks(peer) and _in_networks(client_ip(request))


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
