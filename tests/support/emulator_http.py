"""Raw HTTP to the emulator, for its rules tested without discord.py in the way."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.fakediscord import FakeDiscord


async def api(
    fd: FakeDiscord,
    method: str,
    path: str,
    payload: Any = None,
    *,
    token: str | None = None,
    data: Any = None,
    auth: bool = True,
) -> tuple[int, Any, Any]:
    headers = {}
    if auth:
        headers["Authorization"] = f"Bot {token or fd.token}"
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, fd.api_base + path, json=payload, data=data, headers=headers) as r,
    ):
        text = await r.text()
        body = json.loads(text) if r.content_type == "application/json" else text
        return r.status, body, r.headers


def error_codes(tree: dict[str, Any], *path: str | int) -> list[str]:
    node: Any = tree["errors"]
    for part in path:
        node = node[str(part)]
    return [e["code"] for e in node["_errors"]]
