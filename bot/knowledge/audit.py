"""`linernotes db audit`: how well sourced the store is, judged by today's source policy."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import sources as policy
from bot.store import media as media_db
from bot.store.catalog import provenance
from bot.store.core import Store

UNSOURCED = "unsourced"
ATTRIBUTE_NAMES = {
    "birth_date": "birth date",
    "debut_date": "debut date",
    "end_date": "end date",
    "agency": "agency",
    "legal_name": "legal name",
    "date": "release date",
    "label": "label",
    "premiere": "premiere",
}


@dataclass(frozen=True, slots=True)
class RefusedSource:
    """A stored source the policy now refuses, and how many facts cite it."""

    key: str
    url: str
    origin: str
    message: str
    facts: int


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Facts per grade, attribute facts without their own source, refused sources."""

    per_grade: tuple[tuple[str, int], ...]
    unsourced: tuple[provenance.AttributeFact, ...]
    refused: tuple[RefusedSource, ...]
    media: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        """Return how many facts were counted."""
        return sum(n for _, n in self.per_grade)

    def lines(self) -> list[str]:
        """Return the report as text lines (stable order)."""
        out = [f"Facts per grade ({self.total} facts):"]
        out.extend(f"  {grade:<13} {count:>6}" for grade, count in self.per_grade)
        out.append(f"Facts without their own source: {len(self.unsourced)}")
        out.extend(
            f"  {f.kind} {f.entity_name!r} ({f.origin}): "
            f"{ATTRIBUTE_NAMES.get(f.attribute, f.attribute)} {f.value}"
            for f in self.unsourced
        )
        out.append(f"Sources the policy refuses: {len(self.refused)}")
        out.extend(
            f"  {r.key} ({r.origin}, cited by {r.facts} fact{'s' * (r.facts != 1)}): {r.message}"
            for r in self.refused
        )
        if self.media:
            out.append("Pictures and listening links (each stored with its source):")
            out.extend(f"  {what:<22} {count:>6}" for what, count in self.media)
        return out


async def audit(store: Store) -> AuditReport:
    """Count facts per grade of their source, list unsourced attributes and refused sources."""
    counts: dict[str, int] = dict.fromkeys((*policy.FACT_GRADES, UNSOURCED), 0)
    unsourced = []
    for fact in await provenance.attribute_facts(store):
        if fact.source is None:
            counts[UNSOURCED] += 1
            unsourced.append(fact)
        else:
            counts[policy.fact_grade(fact.source.url, fact.source.origin)] += 1
    for _label, url, origin, count in await provenance.row_fact_sources(store):
        counts[policy.fact_grade(url, origin)] += count
    refused = []
    for cited in await provenance.cited_sources(store):
        verdict = policy.judge(cited.source.url)
        if verdict.refused:
            refused.append(
                RefusedSource(
                    cited.source.key,
                    cited.source.url,
                    cited.source.origin,
                    verdict.message,
                    cited.facts,
                )
            )
    refused.sort(key=lambda r: (r.origin, r.key))
    return AuditReport(tuple(counts.items()), tuple(unsourced), tuple(refused))


async def media_counts(store: Store) -> tuple[tuple[str, int], ...]:
    """Count covers and portraits (found, none, pending), video thumbnails and links."""
    found = await media_db.counts(store)
    rows = [
        (f"{role}s {status}", found.get(f"{role} {status}", 0))
        for role in media_db.ROLES
        for status in media_db.STATUSES
    ]
    rows.append(("video thumbnails", await media_db.youtube_ids(store)))
    rows.append(("listening links", found.get("links", 0)))
    rows.append(("entries with links", found.get("entities with links", 0)))
    return tuple(rows)
