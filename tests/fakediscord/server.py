"""aiohttp application: REST routing, auth, request recording, faults and rate limits.

Handlers are registered with :func:`route` (in ``api.py`` and ``interactions.py``) using
discord.py's placeholder names, e.g. ``/channels/{channel_id}/messages/{message_id}``.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .ratelimit import Fault, rate_limited_headers
from .rules import ApiError, ErrorTree, invalid_json, method_not_allowed, not_found_route

if TYPE_CHECKING:
    from .client import FakeDiscord


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def index(self) -> int | None:
        m = re.match(r"files\[(\d+)\]", self.field)
        return int(m.group(1)) if m else None


@dataclass
class RecordedRequest:
    """One REST call the bot made (kept in ``fd.requests``)."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    time: float
    status: int | None = None
    response: Any = None
    version: int = 10

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} → {self.status}>"


@dataclass
class Reply:
    """A handler result other than a plain 200 JSON body."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    fd: FakeDiscord
    request: web.Request
    method: str
    path: str
    template: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]
    record: RecordedRequest

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def snowflake(self, name: str) -> int:
        raw = self.params[name]
        if not raw.isdigit():
            errs = ErrorTree()
            errs.add((name,), "NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
            errs.raise_if_any()
        return int(raw)

    def flag(self, name: str) -> bool:
        """Discord's boolean query strings: true/false, 1/0 (case-insensitive)."""
        return self.query.get(name, "").lower() in ("true", "1")


Handler = Callable[[Ctx], Awaitable[Any]]
FD_KEY: web.AppKey[Any] = web.AppKey("fakediscord", object)


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool
    global_exempt: bool
    regex: re.Pattern[str]
    names: list[str]


ROUTES: list[Route] = []


def route(
    method: str, template: str, *, auth: bool = True, global_exempt: bool = False
) -> Callable[[Handler], Handler]:
    names = re.findall(r"\{(\w+)\}", template)
    pattern = "^" + re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(template)) + "$"

    def deco(fn: Handler) -> Handler:
        ROUTES.append(Route(method, template, fn, auth, global_exempt, re.compile(pattern), names))
        return fn

    return deco


def _match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    path_matched = False
    # Most specific first: literal segments ("@me", "search", "permissions") beat
    # placeholders.
    for r in sorted(ROUTES, key=lambda r: len(r.names)):
        m = r.regex.match(path)
        if m is None:
            continue
        params = dict(zip(r.names, m.groups(), strict=True))
        # A literal segment like "@me" must win over a placeholder ("/users/@me").
        if any(v.startswith("@") and n not in ("webhook_token",) for n, v in params.items()):
            continue
        path_matched = True
        if r.method == method:
            return r, params
    if path_matched:
        raise method_not_allowed()
    raise not_found_route()


def json_response(status: int, body: Any, headers: dict[str, str]) -> web.Response:
    if status == 204 or body is None:
        return web.Response(status=204 if status < 300 else status, headers=headers)
    # discord.py only decodes JSON when Content-Type is exactly "application/json".
    hdrs = {"Content-Type": "application/json", **headers}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/form-data"):
        body: dict[str, Any] = {}
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: Discord doesn't accept it either
            data = bytes(await part.read())
            name = part.name or ""
            if part.filename:
                files.append(
                    UploadedFile(name, part.filename, part.headers.get("Content-Type"), data)
                )
            elif name == "payload_json":
                try:
                    body.update(json.loads(data.decode()))
                except ValueError:
                    raise invalid_json() from None
            else:
                body[name] = data.decode()
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw.decode()), []
    except (ValueError, UnicodeDecodeError):
        raise invalid_json() from None


def _fault_response(fault: Fault, base_headers: dict[str, str]) -> web.Response:
    if fault.status == 429:
        headers = rate_limited_headers(
            fault.retry_after,
            base_headers,
            is_global=fault.is_global,
            scope="global" if fault.is_global else "user",
        )
        body = fault.body or {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": fault.is_global,
            "code": 0,
        }
        return json_response(429, body, headers)
    if fault.body is not None or fault.code is not None or fault.message is not None:
        body = fault.body or {
            "message": fault.message or f"{fault.status}: error",
            "code": fault.code or 0,
        }
        return json_response(fault.status, body, base_headers)
    if fault.status == 502:
        # Cloudflare's 502 page is HTML, not JSON.
        return web.Response(
            status=502,
            text="<html><body><h1>502 Bad Gateway</h1></body></html>",
            content_type="text/html",
            headers=base_headers,
        )
    reason = {500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
    body = {"message": f"{fault.status}: {reason.get(fault.status, 'Error')}", "code": 0}
    return json_response(fault.status, body, base_headers)


async def handle_api(request: web.Request) -> web.StreamResponse:
    fd: FakeDiscord = request.app[FD_KEY]
    version = int(request.match_info.get("version", "10"))
    path = "/" + request.match_info["tail"].rstrip("/")
    method = request.method
    headers = {"Via": "1.1 google"}  # discord.py only trusts 429s that came through the CDN
    record = RecordedRequest(
        method,
        path,
        "",
        {},
        dict(request.query),
        None,
        [],
        dict(request.headers),
        time.time(),
        version=version,
    )
    fd.requests.append(record)
    try:
        r, params = _match(method, path)
        record.route, record.params = r.template, params
        body, files = await _read_body(request)
        record.json, record.files = body, files
        if r.auth:
            auth = request.headers.get("Authorization", "")
            if auth != f"Bot {fd.token}":
                raise ApiError(401, 0, "401: Unauthorized")
        fault = fd._take_fault(method, path, r.template)
        decision = fd.ratelimiter.check(method, r.template, params, exempt_global=r.global_exempt)
        headers.update(decision.headers)
        if fault is not None:
            resp = _fault_response(fault, headers)
            record.status = resp.status
            fd._notify()
            return resp
        if decision.limited:
            retry = round(decision.retry_after, 3)
            body429 = {
                "message": "You are being rate limited.",
                "retry_after": retry,
                "global": decision.is_global,
                "code": 0,
            }
            hdrs = rate_limited_headers(
                retry, headers, is_global=decision.is_global, scope=decision.scope
            )
            fd.rate_limited.append(record)
            record.status, record.response = 429, body429
            fd._notify()
            return json_response(429, body429, hdrs)
        ctx = Ctx(
            fd, request, method, path, r.template, params, dict(request.query), body, files, record
        )
        result = await r.handler(ctx)
        if isinstance(result, Reply):
            status, out = result.status, result.body
            headers.update(result.headers)
        else:
            status, out = (200, result) if result is not None else (204, None)
    except ApiError as exc:
        status, out = exc.status, exc.body()
        headers.update(exc.headers)
    record.status, record.response = status, out
    fd._notify()
    hold = fd._take_hold(method, path, record.route)
    if hold is not None:
        hold.arrived.set()
        await hold.released.wait()
    return json_response(status, out, headers)


def build_app(fd: FakeDiscord) -> web.Application:
    # Import for side effects: the modules register their routes.
    from . import api, interactions  # noqa: F401

    app = web.Application(client_max_size=100 * 1024 * 1024)
    app[FD_KEY] = fd
    app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", handle_api)
    app.router.add_get("/", fd.gateway.handle)
    app.router.add_get("/gateway", fd.gateway.handle)
    app.router.add_get("/resume", fd.gateway.handle)
    return app


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
