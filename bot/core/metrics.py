"""Prometheus metrics: what the bot counts, and the optional endpoint that serves them.

The counters always exist (counting costs next to nothing); ``serve`` exposes them only when
``METRICS_ADDR`` is set. Other code records through the small functions below, never through
the metric objects, so the names and labels have one home.
"""

from __future__ import annotations

import logging
import platform
import socket
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    make_wsgi_app,
)

from bot import __version__

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

_INTERACTIONS = Counter(
    "linernotes_interactions",
    "Slash commands answered, by command and outcome (ok, user_error, error).",
    ["command", "outcome"],
    registry=REGISTRY,
)
_INTERACTION_SECONDS = Histogram(
    "linernotes_interaction_seconds",
    "Time from receiving a slash command to its handler finishing, by command.",
    ["command"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
_POSTS = Counter(
    "linernotes_posts_sent",
    "Messages the bot posted on its own (reviews from feeds, digests), by kind.",
    ["kind"],
    registry=REGISTRY,
)
_FEED_FETCHES = Counter(
    "linernotes_feed_fetches",
    "Feed fetches, by result (ok, not_modified, unchanged, failed).",
    ["result"],
    registry=REGISTRY,
)
_OUTBOX = Gauge(
    "linernotes_outbox_backlog",
    "Review posts waiting in the outbox to be sent.",
    registry=REGISTRY,
)
_ONLINE_LOOKUPS = Counter(
    "linernotes_online_lookups",
    "Requests to online sources (MusicBrainz, Wikidata, ...), by source and result.",
    ["source", "result"],
    registry=REGISTRY,
)
_GUILDS = Gauge("linernotes_guilds", "Servers the bot is in.", registry=REGISTRY)
_SHARDS = Gauge(
    "linernotes_shards", "Shards this process runs (0 until connected).", registry=REGISTRY
)
_SHARDS_CONNECTED = Gauge(
    "linernotes_shards_connected", "Shards of this process connected to Discord.", registry=REGISTRY
)
_PHASE = Gauge(
    "linernotes_phase",
    "What the process is doing: 1 for its phase (starting, retrying, running), 0 for the others.",
    ["phase"],
    registry=REGISTRY,
)
# The process's CPU, memory, open files and start time (process_*), Python's version
# (python_info), and the version of Liner Notes running (linernotes_build_info).
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
Info("linernotes_build", "The version of Liner Notes running.", registry=REGISTRY).info(
    {"version": __version__, "python": platform.python_version()}
)


def interaction(command: str, outcome: str, seconds: float) -> None:
    """Count one answered slash command and how long its handler took."""
    _INTERACTIONS.labels(command=command, outcome=outcome).inc()
    _INTERACTION_SECONDS.labels(command=command).observe(max(0.0, seconds))


def post_sent(kind: str, count: int = 1) -> None:
    """Count messages the bot posted on its own."""
    if count > 0:
        _POSTS.labels(kind=kind).inc(count)


def feed_fetches(result: str, count: int = 1) -> None:
    """Count feed fetches with one result."""
    if count > 0:
        _FEED_FETCHES.labels(result=result).inc(count)


def outbox_backlog(count: int) -> None:
    """Set how many posts wait in the outbox."""
    _OUTBOX.set(count)


def guilds(count: int) -> None:
    """Set how many servers the bot is in."""
    _GUILDS.set(count)


def connection(shard_count: int, shards_connected: int, phase: str) -> None:
    """Set the shard gauges and the phase (written with each heartbeat)."""
    _SHARDS.set(shard_count)
    _SHARDS_CONNECTED.set(shards_connected)
    for name in ("starting", "retrying", "running"):
        _PHASE.labels(phase=name).set(1 if name == phase else 0)


def online_lookup(source: str, result: str) -> None:
    """Count one request to an online source.

    ``source`` is "musicbrainz", "wikidata", "cover art archive" or "wikimedia commons";
    ``result`` one of "ok", "not_found",
    "throttled" (429/503), "error" (another status), "malformed" or "no_answer".
    """
    _ONLINE_LOOKUPS.labels(source=source, result=result).inc()


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


class _Handler(WSGIRequestHandler):
    """One scrape: silent (no access log), and closed after ``IDLE_TIMEOUT`` of silence."""

    timeout = IDLE_TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing per request."""


class _Server(ThreadingMixIn, WSGIServer):
    """A thread per request, never waited for at shutdown."""

    daemon_threads = True


def serve(host: str, port: int) -> MetricsServer:
    """Serve the metrics at ``http://host:port/metrics``.

    ``METRICS_ADDR=:PORT`` (no host) arrives here as 0.0.0.0: every IPv4 interface.
    """
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]

    class Server(_Server):
        address_family = family

    server = make_server(
        str(address[0]), port, make_wsgi_app(REGISTRY), Server, handler_class=_Handler
    )
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    running = MetricsServer(server, thread)
    host, port = running.address
    everywhere = " (every interface)" if host in ("0.0.0.0", "::") else ""
    log.info("metrics at http://%s:%d/metrics%s", host, port, everywhere)
    return running
