"""Operator metrics: what the bot counts, and the optional endpoint that serves them.

The counts always exist and cost a dictionary update each (an interaction pays for no lock
or label object of a metrics library); ``serve`` exposes them only when ``METRICS_ADDR`` is
set, and only then is prometheus-client imported, which formats them (``registry``) with the
process's own figures. Other code records through the small functions below, never through
the families, so the names and labels have one home.
"""

from __future__ import annotations

import logging
import platform
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bot import __version__

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)

Labels = tuple[str, ...]


@dataclass(eq=False)
class _Family:
    """One metric family: a counter, a gauge or a histogram, with its series by label values.

    Written from the event loop's thread, read by the endpoint's: ``_LOCK`` guards both.
    """

    name: str
    documentation: str
    kind: str  # "counter", "gauge" or "histogram"
    labels: Labels = ()
    buckets: tuple[float, ...] = ()  # a histogram's upper bounds, ascending (+Inf implied)
    values: dict[Labels, float] = field(default_factory=dict)
    # A histogram's series: the count in each bucket (not cumulative), then +Inf's.
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    created: dict[Labels, float] = field(default_factory=dict)

    def add(self, labels: Labels, amount: float) -> None:
        with _LOCK:
            if labels not in self.values:
                self.created[labels] = time.time()
                self.values[labels] = 0.0
            self.values[labels] += amount

    def set(self, labels: Labels, value: float) -> None:
        with _LOCK:
            self.values[labels] = value

    def observe(self, labels: Labels, value: float) -> None:
        bucket = next(
            (n for n, bound in enumerate(self.buckets) if value <= bound), len(self.buckets)
        )
        with _LOCK:
            counts = self.counts.get(labels)
            if counts is None:
                counts = self.counts[labels] = [0] * (len(self.buckets) + 1)
                self.created[labels] = time.time()
                self.values[labels] = 0.0
            counts[bucket] += 1
            self.values[labels] += value


_LOCK = threading.Lock()

_INTERACTIONS = _Family(
    "linernotes_interactions",
    "Slash commands answered, by command and outcome (ok, user_error, error).",
    "counter",
    ("command", "outcome"),
)
_INTERACTION_SECONDS = _Family(
    "linernotes_interaction_seconds",
    "Time from receiving a slash command to its handler finishing, by command.",
    "histogram",
    ("command",),
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
)
_POSTS = _Family(
    "linernotes_posts_sent",
    "Messages the bot posted on its own (reviews from feeds, digests), by kind.",
    "counter",
    ("kind",),
)
_FEED_FETCHES = _Family(
    "linernotes_feed_fetches",
    "Feed fetches, by result (ok, not_modified, unchanged, failed).",
    "counter",
    ("result",),
)
_OUTBOX = _Family(
    "linernotes_outbox_backlog", "Review posts waiting in the outbox to be sent.", "gauge"
)
_ONLINE_LOOKUPS = _Family(
    "linernotes_online_lookups",
    "Requests to online sources (MusicBrainz, Wikidata, ...), by source and result.",
    "counter",
    ("source", "result"),
)
_GUILDS = _Family("linernotes_guilds", "Servers the bot is in.", "gauge")
_SHARDS = _Family("linernotes_shards", "Shards this process runs (0 until connected).", "gauge")
_SHARDS_CONNECTED = _Family(
    "linernotes_shards_connected", "Shards of this process connected to Discord.", "gauge"
)
_PHASE = _Family(
    "linernotes_phase",
    "What the process is doing: 1 for its phase (starting, retrying, running), 0 for the others.",
    "gauge",
    ("phase",),
)
FAMILIES = (
    _INTERACTIONS,
    _INTERACTION_SECONDS,
    _POSTS,
    _FEED_FETCHES,
    _OUTBOX,
    _ONLINE_LOOKUPS,
    _GUILDS,
    _SHARDS,
    _SHARDS_CONNECTED,
    _PHASE,
)


def interaction(command: str, outcome: str, seconds: float) -> None:
    """Count one answered slash command and how long its handler took."""
    _INTERACTIONS.add((command, outcome), 1)
    _INTERACTION_SECONDS.observe((command,), max(0.0, seconds))


def post_sent(kind: str, count: int = 1) -> None:
    """Count messages the bot posted on its own."""
    if count > 0:
        _POSTS.add((kind,), count)


def feed_fetches(result: str, count: int = 1) -> None:
    """Count feed fetches with one result."""
    if count > 0:
        _FEED_FETCHES.add((result,), count)


def outbox_backlog(count: int) -> None:
    """Set how many posts wait in the outbox."""
    _OUTBOX.set((), count)


def guilds(count: int) -> None:
    """Set how many servers the bot is in."""
    _GUILDS.set((), count)


def connection(shard_count: int, shards_connected: int, phase: str) -> None:
    """Set the shard gauges and the phase (written with each heartbeat)."""
    _SHARDS.set((), shard_count)
    _SHARDS_CONNECTED.set((), shards_connected)
    for name in ("starting", "retrying", "running"):
        _PHASE.set((name,), 1 if name == phase else 0)


def online_lookup(source: str, result: str) -> None:
    """Count one request to an online source.

    ``source`` is "musicbrainz", "wikidata", "cover art archive" or "wikimedia commons";
    ``result`` one of "ok", "not_found",
    "throttled" (429/503), "error" (another status), "malformed" or "no_answer".
    """
    _ONLINE_LOOKUPS.add((source, result), 1)


class _Collector:
    """Hands prometheus-client the families as they stand at each scrape."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
            InfoMetricFamily,
        )
        from prometheus_client.utils import floatToGoString

        for family in FAMILIES:
            with _LOCK:
                values = sorted(family.values.items())
                counts = {k: list(v) for k, v in family.counts.items()}
                created = dict(family.created)
            if not family.labels and not values:
                values = [((), 0.0)]  # a plain gauge shows 0 until set
            labels = list(family.labels)
            if family.kind == "counter":
                counter = CounterMetricFamily(family.name, family.documentation, labels=labels)
                for key, value in values:
                    counter.add_metric(list(key), value, created=created.get(key))
                yield counter
            elif family.kind == "gauge":
                gauge = GaugeMetricFamily(family.name, family.documentation, labels=labels)
                for key, value in values:
                    gauge.add_metric(list(key), value)
                yield gauge
            else:
                histogram = HistogramMetricFamily(family.name, family.documentation, labels=labels)
                bounds = [floatToGoString(b) for b in family.buckets] + ["+Inf"]
                for key, total in values:
                    running, buckets = 0, []
                    for bound, count in zip(bounds, counts[key], strict=True):
                        running += count
                        buckets.append((bound, float(running)))
                    histogram.add_metric(list(key), buckets, total)
                yield histogram
        # The version of Liner Notes running (linernotes_build_info).
        yield InfoMetricFamily(
            "linernotes_build",
            "The version of Liner Notes running.",
            value={"version": __version__, "python": platform.python_version()},
        )


@cache
def registry() -> CollectorRegistry:
    """Return the registry the endpoint serves: the families above, the process's CPU,
    memory, open files and start time (process_*) and Python's version (python_info)."""
    from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector

    built = CollectorRegistry(auto_describe=True)
    built.register(_Collector())
    ProcessCollector(registry=built)
    PlatformCollector(registry=built)
    return built


@dataclass
class MetricsServer:
    """The running ``/metrics`` endpoint (a thread of prometheus-client's own server)."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def address(self) -> tuple[str, int]:
        """Return the host and port it listens on (the real port when 0 was asked for)."""
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# A scraper sends its request at once; a connection that says nothing for this long is
# closed, so idle or half-open connections cannot each hold a thread for ever.
IDLE_TIMEOUT = 10.0
# How often the serving thread looks whether ``close`` asked it to stop (a select timeout).
STOP_POLL_SECONDS = 0.05


def serve(host: str, port: int) -> MetricsServer:
    """Serve the metrics at ``http://host:port/metrics``, a thread per request.

    ``METRICS_ADDR=:PORT`` (no host) arrives here as 0.0.0.0: every IPv4 interface. The
    server's modules (wsgiref, http.server: 1.3 MiB) load here, only when it is asked for.
    """
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from prometheus_client import make_wsgi_app

    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]

    class Handler(WSGIRequestHandler):
        """One scrape: silent (no access log), and closed after ``IDLE_TIMEOUT`` of silence."""

        timeout = IDLE_TIMEOUT

        def log_message(self, format: str, *args: object) -> None:
            """Log nothing per request."""

    class Server(ThreadingMixIn, WSGIServer):
        """Never waited for at shutdown."""

        address_family = family
        daemon_threads = True

    server = make_server(
        str(address[0]), port, make_wsgi_app(registry()), Server, handler_class=Handler
    )
    # ``close`` (on the event loop's thread) waits until the loop notices the stop: at most
    # this long, not socketserver's default half second of a frozen event loop.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": STOP_POLL_SECONDS},
        name="metrics",
        daemon=True,
    )
    thread.start()
    running = MetricsServer(server, thread)
    host, port = running.address
    everywhere = " (every interface)" if host in ("0.0.0.0", "::") else ""
    log.info("metrics at http://%s:%d/metrics%s", host, port, everywhere)
    return running
