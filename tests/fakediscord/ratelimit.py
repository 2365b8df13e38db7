"""Rate-limit buckets (with Discord's X-RateLimit-* headers) and fault injection."""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

# Top-level resources that get their own bucket instance, as on Discord.
MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")


def path_pattern(pattern: str) -> re.Pattern[str]:
    """``/channels/{channel_id}/messages`` → regex where each ``{...}`` is one segment and
    ``*`` matches anything. Literal ids match only themselves."""
    pattern = pattern.split("?", 1)[0].rstrip("/") or "/"
    if not pattern.startswith("/"):
        pattern = "/" + pattern
    out = []
    for token in re.split(r"(\{[^}]*\}|\*)", pattern):
        if token == "*":
            out.append(".*")
        elif token.startswith("{") and token.endswith("}"):
            out.append("[^/]+")
        else:
            out.append(re.escape(token))
    return re.compile("^" + "".join(out) + "/?$")


@dataclass
class Rule:
    limit: int
    per: float


@dataclass
class Bucket:
    rule: Rule
    hash: str
    count: int = 0
    reset_at: float = 0.0  # monotonic

    def _roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.count = 0
            self.reset_at = now + self.rule.per


@dataclass
class Decision:
    headers: dict[str, str]
    limited: bool = False
    retry_after: float = 0.0
    is_global: bool = False
    scope: str = "user"


def _headers(limit: int, remaining: int, reset_after: float, bucket_hash: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket_hash,
    }


def rate_limited_headers(
    retry_after: float, base: dict[str, str], *, is_global: bool, scope: str
) -> dict[str, str]:
    headers = dict(base)
    headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    headers["X-RateLimit-Scope"] = scope
    headers["X-RateLimit-Remaining"] = "0"
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return headers


class RateLimiter:
    """Fixed-window buckets per (route, major parameters).

    When not enforcing, every route still reports headers, but from a bucket so large that
    discord.py never throttles itself. ``enforce`` + ``rules`` turn on Discord-like limits."""

    UNLIMITED = Rule(10_000, 1.0)

    def __init__(self) -> None:
        self.enforce = False
        self.rules: dict[tuple[str, str], Rule] = {}
        self.global_rule: Rule | None = None
        self.buckets: dict[tuple[str, str, str], Bucket] = {}
        self._global = Bucket(Rule(50, 1.0), "global")

    def set_rule(self, method: str, template: str, limit: int, per: float) -> None:
        self.rules[(method.upper(), template)] = Rule(limit, per)

    def check(
        self, method: str, template: str, params: dict[str, str], *, exempt_global: bool
    ) -> Decision:
        now = time.monotonic()
        rule = self.rules.get((method, template)) if self.enforce else None
        rule = rule or self.UNLIMITED
        major = ":".join(params.get(k, "") for k in MAJOR_PARAMS)
        key = (method, template, major)
        bucket = self.buckets.get(key)
        if bucket is None:
            digest = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
            bucket = self.buckets[key] = Bucket(rule, digest)
        bucket.rule = rule
        bucket._roll(now)
        if self.enforce and self.global_rule is not None and not exempt_global:
            g = self._global
            g.rule = self.global_rule
            g._roll(now)
            if g.count >= g.rule.limit:
                headers = _headers(
                    rule.limit, rule.limit - bucket.count, bucket.reset_at - now, bucket.hash
                )
                return Decision(headers, True, g.reset_at - now, True, "global")
            g.count += 1
        if bucket.count >= rule.limit:
            headers = _headers(rule.limit, 0, bucket.reset_at - now, bucket.hash)
            return Decision(headers, True, bucket.reset_at - now, False, "user")
        bucket.count += 1
        headers = _headers(
            rule.limit, rule.limit - bucket.count, bucket.reset_at - now, bucket.hash
        )
        return Decision(headers)

    def reset(self) -> None:
        self.buckets.clear()
        self._global = Bucket(Rule(50, 1.0), "global")


@dataclass
class Fault:
    """One injected failure: answers the next *count* matching requests with *status*."""

    method: str | None
    pattern: str
    status: int
    count: int = 1
    retry_after: float = 0.05
    is_global: bool = False
    code: int | None = None
    message: str | None = None
    body: Any = None
    hits: int = 0
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._regex = path_pattern(self.pattern)

    def matches(self, method: str, path: str, template: str) -> bool:
        if self.count <= 0:
            return False
        if self.method not in (None, "*", method):
            return False
        return bool(self._regex.match(path)) or self.pattern == template

    @property
    def remaining(self) -> int:
        return self.count


@dataclass
class Hold:
    """The next matching request is carried out, but its answer is held back until
    ``release()``: a client killed meanwhile never learns that Discord acted on it."""

    method: str
    pattern: str
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._regex = path_pattern(self.pattern)

    def matches(self, method: str, path: str, template: str) -> bool:
        if self.method not in ("*", method):
            return False
        return bool(self._regex.match(path)) or self.pattern == template

    def release(self) -> None:
        self.released.set()
