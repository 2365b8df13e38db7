"""Turn an approved member suggestion into catalog facts, with its evidence as the source.

Pending suggestions live only in the ``suggestions`` table; nothing here runs before a
moderator or editor approves, so the bot never states an unapproved fact.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import quote, urlsplit

from bot.core.errors import NotFoundError, Untrusted, UserError
from bot.core.i18n import N_
from bot.knowledge import search, vocab
from bot.knowledge import sources as source_policy
from bot.knowledge.entities import EntityKey, EntityRef, entity
from bot.knowledge.normalize import has_hangul, normalize
from bot.knowledge.release_time import parse_release_time
from bot.store import catalog as db
from bot.store.core import Store
from bot.store.guilds import Suggestion, claim_suggestion
from bot.store.radar import write_approved_release_date

ORIGIN = "suggestion"
_CREATOR_YEAR = re.compile(r"^(.*?)(?:[,(]\s*(\d{4})\)?)?\s*$")


def check_url(url: str) -> str:
    """Return a clean evidence URL or raise a UserError saying what is wrong.

    Characters a browser shows decoded (Hangul in a Korean article's address) are
    percent-encoded first; then the source policy decides, naming the rule it applies.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number raises ValueError)
    except ValueError:
        # "http://[::1", "http://x:99999/", a host that changes under NFKC...
        raise UserError(N_("The evidence is not a web address I can read.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise UserError(N_("The evidence must be a web address starting with http:// or https://."))
    if parts.username is not None or parts.password is not None:
        # "https://melon.com.credits@evil.example/" goes to evil.example: say so, store nothing.
        raise UserError(
            N_(
                "The evidence address has a user name in it (before an @), which hides the site "
                "it really goes to ({host}); paste the page's address without it."
            ),
            host=Untrusted(parts.hostname),
        )
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%~")
    source_policy.check(url)
    return url


def check_role(role: str) -> str:
    """Return a known credit role (case-insensitive) or raise with the list."""
    wanted = " ".join(role.lower().split())
    if wanted not in vocab.CHOICE_ROLES:
        raise UserError(N_("Role must be one of: {roles}."), roles=", ".join(vocab.CHOICE_ROLES))
    return wanted


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """Return ``value`` if it is one of ``allowed`` (case-insensitive), else raise."""
    wanted = " ".join(value.lower().split())
    if wanted not in allowed:
        raise UserError(
            N_("{what} must be one of: {allowed}."), what=what, allowed=", ".join(allowed)
        )
    return wanted


async def _source(conn: db.Conn, suggestion_id: int, url: str) -> int:
    # The host, never the whole netloc: a user name before "@" would pose as the outlet.
    host = (urlsplit(url).hostname or "").removeprefix("www.") or "web"
    return await db.ensure_source(conn, f"suggestion:{suggestion_id}", ORIGIN, url, host)


async def _new_entity(
    conn: db.Conn, kind: str, suggestion_id: int, name: str, source_id: int
) -> int:
    key = f"suggestion-{suggestion_id}-{normalize(name)[:40] or 'x'}"
    entity_id, _ = await db.ensure_entity(conn, kind, key, ORIGIN, name)
    await db.add_names(
        conn,
        [
            db.NameInsert(
                entity_id,
                kind,
                name,
                normalize(name),
                "hangul" if has_hangul(name) else "stage",
                "ko" if has_hangul(name) else "en",
                True,
                ORIGIN,
            )
        ],
        overwrite=False,
    )
    await db.add_entity_sources(conn, [db.EntitySourceInsert(entity_id, source_id, ORIGIN)])
    return entity_id


async def _subject(store: Store, value: str, kinds: tuple[str, ...]) -> EntityRef:
    """Return the entity a suggestion is about (stored as its "kind:id" key)."""
    key = EntityKey.parse(value)
    found = await entity(store, key) if key is not None and key.kind in kinds else None
    if found is None:
        raise NotFoundError(
            N_("The {what} this suggestion is about is gone."), [], what=" or ".join(kinds)
        )
    return found


async def _existing(store: Store, name: str, kinds: list[str]) -> int | None:
    """Return the one entity whose name is exactly ``name``, else None (never a guess)."""
    try:
        match = await search.resolve_one(store, name, kinds)
    except (NotFoundError, search.AmbiguousError):
        return None
    return match.id if match.tier in ("exact", "id") else None


class AlreadyDecided(UserError):
    """Another editor decided the suggestion first."""


Write = Callable[[db.Conn], Awaitable[None]]


async def approve(
    store: Store, suggestion: Suggestion, values: Mapping[str, str], approver: int
) -> str:
    """Approve a suggestion and write its fact, in one transaction; return the outcome.

    The claim comes first: if another editor approved or rejected it meanwhile, nothing is
    written and AlreadyDecided says so. Validation and lookups happen before, outside it.
    """
    s = suggestion
    if s.kind == "credit":
        summary, write = await _credit(
            store, s.id, s.subject, values["person"], values["role"], s.evidence_url, approver
        )
    elif s.kind == "reference":
        summary, write = await _reference(
            store,
            s.id,
            s.subject,
            values["target"],
            values.get("creator", ""),
            values["relation"],
            values["status"],
            s.evidence_url,
            approver,
        )
    elif s.kind == "release date":
        summary, write = await _release_date(
            store, s.id, s.subject, values["date"], values.get("time", ""), s.evidence_url
        )
    else:
        summary, write = "", None
    outcome = (
        f"added to the catalog ({summary})"
        if write is not None
        else "accepted; a maintainer will correct the catalog file by hand"
    )
    async with store.transaction() as conn:
        if not await claim_suggestion(conn, s.id, True, approver, outcome):
            raise AlreadyDecided(f"Suggestion #{s.id} was decided by someone else meanwhile.")
        if write is not None:
            await write(conn)
            await db.refresh_labels(conn)
            await db.bump_catalog_version(conn)
    return outcome


async def _credit(
    store: Store,
    suggestion_id: int,
    subject_value: str,
    person: str,
    role: str,
    url: str,
    approved_by: int,
) -> tuple[str, Write]:
    """Check a credit suggestion; return its summary and how to write it."""
    subject = await _subject(store, subject_value, ("song", "release", "video"))
    role = check_role(role)
    url = check_url(url)
    artist_id = await _existing(store, person, ["artist"])

    async def write(conn: db.Conn) -> None:
        source_id = await _source(conn, suggestion_id, url)
        artist = artist_id
        if artist is None:
            artist = await _new_entity(conn, "artist", suggestion_id, person.strip(), source_id)
            await db.upsert_artist(conn, artist, "person")
        await db.add_credits(
            conn,
            [
                db.CreditInsert(
                    subject_kind=subject.kind,
                    subject_id=subject.id,
                    artist_id=artist,
                    role=role,
                    credited_as=None,
                    detail=None,
                    confidence="B",
                    source_id=source_id,
                    origin=ORIGIN,
                    approved_by=approved_by,
                )
            ],
        )

    return f"{person.strip()} — {role} on {subject.name}", write


async def _reference(
    store: Store,
    suggestion_id: int,
    subject_value: str,
    target: str,
    creator_year: str,
    relation: str,
    status: str,
    url: str,
    approved_by: int,
) -> tuple[str, Write]:
    """Check a reference suggestion (to a work, created if new); return its summary and
    how to write it."""
    subject = await _subject(store, subject_value, ("song", "video"))
    relation = check_choice(relation, vocab.RELATION_KEYS, "Relation")
    status = check_choice(status, vocab.CATALOG_STATUS_KEYS, "Who says so")
    url = check_url(url)
    target_id = await _existing(store, target, ["work", "song", "video", "release"])
    creator, year = _split_creator_year(creator_year)

    async def write(conn: db.Conn) -> None:
        source_id = await _source(conn, suggestion_id, url)
        to_id = target_id
        if to_id is None:
            to_id = await _new_entity(conn, "work", suggestion_id, target.strip(), source_id)
            await db.upsert_work(conn, to_id, "work", creator, year, None)
        await db.add_references(
            conn,
            [
                db.ReferenceInsert(
                    from_id=subject.id,
                    to_id=to_id,
                    relation=relation,
                    status=status,
                    timestamp_s=None,
                    note=None,
                    review_id=None,
                    source_id=source_id,
                    origin=ORIGIN,
                    approved_by=approved_by,
                )
            ],
        )

    return f"{subject.name} → {relation} of {target.strip()} ({status} reading)", write


def check_release_date(day: str, time: str = "") -> tuple[str, str | None]:
    """Return a suggested date ("2026-12-08") and time ("18:00+09:00" or None), or say why
    not."""
    day = day.strip()
    try:
        parsed = dt.date.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise UserError(N_("Write the date as YYYY-MM-DD, like 2026-12-08 (KST)."))
    when = None
    if time.strip():
        try:
            when = parse_release_time(time)
        except ValueError:
            raise UserError(
                N_('Write the time as "18:00" (KST) or "18:00+09:00" with its offset.')
            ) from None
    return parsed.isoformat(), when


async def _release_date(
    store: Store, suggestion_id: int, subject_value: str, day: str, time: str, url: str
) -> tuple[str, Write]:
    """Check a release-date suggestion; return its summary and how to write it."""
    subject = await _subject(store, subject_value, ("release",))
    day, when = check_release_date(day, time)
    url = check_url(url)

    async def write(conn: db.Conn) -> None:
        source_id = await _source(conn, suggestion_id, url)
        await write_approved_release_date(conn, subject.id, day, when, source_id, ORIGIN)

    return f"{subject.name} comes out on {day}" + (f" at {when}" if when else ""), write


def _split_creator_year(text: str) -> tuple[str | None, int | None]:
    match = _CREATOR_YEAR.match(text.strip())
    if match is None:
        return (text.strip() or None, None)
    creator = match.group(1).strip(" ,") or None
    return creator, int(match.group(2)) if match.group(2) else None
