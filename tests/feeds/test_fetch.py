"""The fetcher against a real local HTTP server: caching, limits, redirects and SSRF refusals."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
from datetime import timedelta

import pytest
from aiohttp import web

from bot.feeds import AddressPolicy, Fetcher
from bot.feeds.errors import (
    BadFeedURL,
    FeedHTTPError,
    FeedTimeout,
    FeedTooLarge,
    PrivateAddressError,
    TooManyRedirects,
    UnreachableHost,
)
from bot.feeds.fetch import USER_AGENT, parse_retry_after
from bot.feeds.urls import blocked_reason, canonical_url, validate_url
from tests.feeds.support import T0, FeedServer, fixture_bytes

RSS = fixture_bytes("rss20.xml")


async def test_fetch_returns_body_and_validators_with_our_user_agent(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.serve(
        "/feed", RSS, headers={"ETag": '"v1"', "Last-Modified": "Sat, 09 Mar 2024 12:00:00 GMT"}
    )
    result = await fetcher.fetch(url)
    assert result.status == 200
    assert result.body == RSS
    assert result.etag == '"v1"'
    assert result.last_modified == "Sat, 09 Mar 2024 12:00:00 GMT"
    assert not result.not_modified
    request = feed_server.requests[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("LinerNotes/")
    assert USER_AGENT.endswith("( no contact configured )")
    assert "gzip" in request.headers["Accept-Encoding"]


async def test_etag_gets_a_304_without_a_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.serve("/feed", RSS, headers={"ETag": '"v1"'})
    result = await fetcher.fetch(url, etag='"v1"')
    assert result.not_modified
    assert result.body is None
    assert result.etag == '"v1"'
    assert feed_server.requests[0].headers["If-None-Match"] == '"v1"'


async def test_last_modified_gets_a_304(feed_server: FeedServer, fetcher: Fetcher) -> None:
    stamp = "Sat, 09 Mar 2024 12:00:00 GMT"
    url = feed_server.serve("/feed", RSS, headers={"Last-Modified": stamp})
    result = await fetcher.fetch(url, last_modified=stamp)
    assert result.not_modified
    assert result.last_modified == stamp


async def test_429_returns_the_retry_after_time(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.serve("/feed", b"slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FeedHTTPError) as caught:
        await fetcher.fetch(url)
    assert caught.value.status == 429
    assert caught.value.retry_after == T0 + timedelta(seconds=120)
    assert "429" in str(caught.value)


async def test_503_with_an_http_date_retry_after(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.serve(
        "/feed", b"", status=503, headers={"Retry-After": "Sun, 10 Mar 2024 13:00:00 GMT"}
    )
    with pytest.raises(FeedHTTPError) as caught:
        await fetcher.fetch(url)
    assert caught.value.retry_after == T0 + timedelta(hours=1)


def test_retry_after_is_capped_and_never_in_the_past() -> None:
    assert parse_retry_after("999999999", T0) == T0 + timedelta(days=1)
    assert parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT", T0) == T0
    assert parse_retry_after("soon", T0) is None


async def test_5xx_is_an_http_error_with_the_status(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.serve("/feed", b"oops", status=500)
    with pytest.raises(FeedHTTPError) as caught:
        await fetcher.fetch(url)
    assert caught.value.status == 500
    assert caught.value.retry_after is None


async def test_gzip_body_is_decompressed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.serve("/feed", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    result = await fetcher.fetch(url)
    assert result.body == RSS


async def test_gzip_bomb_is_cut_off_at_the_cap(feed_server: FeedServer, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"<" * (6 * 1024 * 1024))
    assert len(bomb) < 100_000
    url = feed_server.serve("/feed", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FeedTooLarge, match="feed is larger than 5 MB"):
        await fetcher.fetch(url)


async def test_streamed_body_over_5_mb_is_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(200):  # 12.5 MB if nobody stops reading
                await response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    url = feed_server.route("/big", endless)
    with pytest.raises(FeedTooLarge, match="feed is larger than 5 MB"):
        await fetcher.fetch(url)


async def test_declared_length_over_5_mb_is_refused_before_reading(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.serve("/big", b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(FeedTooLarge):
        await fetcher.fetch(url)


async def test_slow_server_times_out(feed_server: FeedServer) -> None:
    never = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response()

    url = feed_server.route("/slow", hang)
    try:
        async with Fetcher(policy=AddressPolicy.allowing(["127.0.0.1/32"]), total_timeout=0.2) as f:
            with pytest.raises(FeedTimeout, match="did not answer"):
                await f.fetch(url)
    finally:
        never.set()  # let the server's handler end so shutdown does not wait for it


async def test_closed_port_is_unreachable(fetcher: Fetcher) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UnreachableHost, match="could not connect"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed")


# -- redirects -------------------------------------------------------------------------
def _redirect(to: str, status: int = 302) -> object:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": to})

    return handler


async def test_five_redirects_are_followed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/r5", RSS)
    for i in range(5):
        feed_server.route(f"/r{i}", _redirect(f"/r{i + 1}", 301 if i % 2 else 307))  # type: ignore[arg-type]
    result = await fetcher.fetch(feed_server.url("/r0"))
    assert result.body == RSS
    assert result.final_url.endswith("/r5")


async def test_six_redirects_are_too_many(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/r6", RSS)
    for i in range(6):
        feed_server.route(f"/r{i}", _redirect(f"/r{i + 1}"))  # type: ignore[arg-type]
    with pytest.raises(TooManyRedirects):
        await fetcher.fetch(feed_server.url("/r0"))
    assert feed_server.hits["/r6"] == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/feed",  # loopback, but not the one address this test allows
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed",
        "http://[::ffff:127.0.0.2]:{port}/feed",
    ],
)
async def test_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, fetcher: Fetcher, target: str
) -> None:
    feed_server.serve("/feed", RSS)
    url = feed_server.route("/go", _redirect(target.format(port=feed_server.port)))  # type: ignore[arg-type]
    with pytest.raises(PrivateAddressError, match="public internet hosts"):
        await fetcher.fetch(url)
    assert feed_server.hits["/feed"] == 0


async def test_redirect_to_another_scheme_is_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.route("/go", _redirect("file:///etc/passwd"))  # type: ignore[arg-type]
    with pytest.raises(BadFeedURL, match="only http"):
        await fetcher.fetch(url)


# -- the default policy ----------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
async def test_default_fetcher_refuses_loopback(feed_server: FeedServer, host: str) -> None:
    feed_server.serve("/feed", RSS)
    async with Fetcher() as default:
        with pytest.raises(PrivateAddressError):
            await default.fetch(feed_server.url("/feed", host=host))
    assert feed_server.hits["/feed"] == 0


async def test_allow_private_reaches_loopback(feed_server: FeedServer) -> None:
    url = feed_server.serve("/feed", RSS)
    async with Fetcher(allow_private=True) as permissive:
        assert (await permissive.fetch(url)).body == RSS


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),
    ],
)
def test_internal_addresses_are_named(address: str, reason: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None
    AddressPolicy().check("example.org", address)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/feed", "only http"),
        ("javascript:alert(1)", "only http"),
        ("file:///etc/passwd", "only http"),
        ("https://user:secret@example.org/feed", "user name or password"),
        ("https://@example.org/feed", "user name or password"),
        ("http:///feed", "no host"),
        ("", "empty"),
        ("https://example.org/a feed", "spaces"),
        ("https://example.org:99999/", "not a valid"),
    ],
)
async def test_bad_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(BadFeedURL, match=message):
        validate_url(url)
    async with Fetcher() as default:
        with pytest.raises(BadFeedURL):
            await default.fetch(url)


def test_canonical_url() -> None:
    assert (
        canonical_url("HTTPS://Example.ORG:443/Feed?utm_source=x&b=2&UTM_medium=y#top")
        == "https://example.org/Feed?b=2"
    )
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/x") == "http://example.org:8080/x"


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://2130706433/", "http://127.1/", "http://[fe80::1%25eth0]/"],
)
async def test_odd_addresses_give_a_feed_error_not_a_traceback(url: str) -> None:
    async with Fetcher() as default:
        with pytest.raises((BadFeedURL, PrivateAddressError)):
            await default.fetch(url)
