"""Import kpopnet.json (CC0): groups and idols with Hangul and legal names, dates, members.

Artists that are also in the catalog are merged, not duplicated: an idol matches a catalog
artist by an explicit `kpopnet = "<id>"` key on the catalog entry, or by a shared name (any
script) together with the same birth date (groups: same debut date). For a merged artist the
catalog's values win; kpopnet only fills blanks and adds names and memberships.
"""

from __future__ import annotations

import json
import logging
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge import sources as source_policy
from bot.knowledge.importers.report import (
    CatalogError,
    ImportReport,
    Progress,
    display_path,
    no_progress,
)
from bot.knowledge.normalize import has_hangul, normalize
from bot.knowledge.placeholders import is_placeholder, known
from bot.knowledge.romanize import give_way_to_stored, refresh_romanized_names
from bot.store import catalog as db
from bot.store.catalog import provenance
from bot.store.core import Store

log = logging.getLogger(__name__)

ORIGIN = "kpopnet"
SOURCE_OUTLET = "kpopnet (CC0)"
PROFILE_PREFIX = "https://net.kpop.re/?id="
CORRECTIONS_FILE = "corrections.toml"
CORRECTION_ORIGIN = "kpopnet-corrections"
# kpopnet field -> the artist attribute it fills.
FIELDS = {
    "birth_date": "birth_date",
    "debut_date": "debut_date",
    "disband_date": "end_date",
    "agency_name": "agency",
}

_IDOL_REQUIRED = ("id", "name", "name_original", "real_name", "real_name_original", "birth_date")
_GROUP_REQUIRED = ("id", "name", "name_original", "agency_name", "members")


def _load(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shown = display_path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError([f"{shown}: cannot read the file ({exc.strerror or exc})"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError([f"{shown}: is not valid JSON: {exc}"]) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("groups"), list)
        or not isinstance(data.get("idols"), list)
    ):
        raise CatalogError([f'{shown}: expected an object with "groups" and "idols" lists'])
    problems = []
    for table, required in (("groups", _GROUP_REQUIRED), ("idols", _IDOL_REQUIRED)):
        for index, item in enumerate(data[table]):
            if not isinstance(item, dict):
                problems.append(f"{shown}: {table}[{index}]: is not an object")
                continue
            for key in required:
                if item.get(key) in (None, "") and not (key == "members" and key in item):
                    problems.append(
                        f'{shown}: {table}[{index}] ({item.get("id")}): missing "{key}"'
                    )
    if problems:
        raise CatalogError(problems)
    return data["groups"], data["idols"]


@dataclass(frozen=True, slots=True)
class Correction:
    """A value of kpopnet.json replaced by the right one, with the page that states it."""

    kpopnet: str
    field: str
    wrong: str
    right: str
    note: str
    url: str
    outlet: str

    @property
    def key(self) -> str:
        """Return the source key of the corrected fact."""
        return f"kpopnet-fix:{self.kpopnet}:{self.field}"


def load_corrections(path: Path) -> list[Correction]:
    """Read corrections.toml (missing file: none); refuse bad entries and bad sources."""
    if not path.is_file():
        return []
    shown = display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError([f"{shown}: cannot be read as TOML: {exc}"]) from None
    out, problems = [], []
    for index, item in enumerate(data.get("correction", []), start=1):
        where = f"{shown}: [[correction]] #{index}"
        values = {k: item.get(k) for k in Correction.__dataclass_fields__}
        missing = [k for k, v in values.items() if not isinstance(v, str)]
        if missing:
            problems.append(f"{where}: missing or not text: {', '.join(missing)}")
            continue
        if values["field"] not in FIELDS:
            problems.append(f"{where}: field must be one of {', '.join(FIELDS)}")
            continue
        verdict = source_policy.judge(values["url"])
        if verdict.refused:
            problems.append(f"{where}: url {verdict.message}")
            continue
        out.append(Correction(**values))
    if problems:
        raise CatalogError(problems)
    return out


def _profile_url(item: dict[str, Any]) -> str:
    """Return the kpopnet profile page of an idol or group (every entry has one)."""
    urls = item.get("urls") or []
    for url in urls:
        if isinstance(url, str) and url.startswith(PROFILE_PREFIX):
            return url
    return PROFILE_PREFIX + str(item["id"])


def _split_aliases(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _date(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 10 and value[:4].isdigit() else None


async def merge_catalog_artists(conn: db.Conn, catalog_ids: Sequence[int]) -> int:
    """Merge kpopnet-only artists into the catalog artists they are; return how many merged."""
    if not catalog_ids:
        return 0
    wanted = set(catalog_ids)
    rows = await db.artist_identities(conn)
    kpop_by_key = {key: eid for eid, origin, key, *_ in rows if origin == ORIGIN}
    if not kpop_by_key:
        return 0
    pairs: dict[int, int] = {}
    for value, entity_id in (await db.external_id_map(conn, ORIGIN)).items():
        kp = kpop_by_key.get(f"kpopnet:{value}")
        if entity_id in wanted and kp is not None and kp != entity_id:
            pairs[kp] = entity_id
    catalog_keys: dict[tuple[str, str], set[int]] = {}
    for eid, _origin, _key, norm, birth, _debut in rows:
        if eid in wanted and birth:
            catalog_keys.setdefault((norm, birth), set()).add(eid)
    for eid, origin, _key, norm, birth, _debut in rows:
        if origin != ORIGIN or not birth or eid in pairs:
            continue
        targets = catalog_keys.get((norm, birth), set())
        if len(targets) == 1:
            pairs[eid] = next(iter(targets))
    for kp, target in pairs.items():
        await db.merge_entity(conn, kp, target)
    return len(pairs)


async def import_kpopnet(
    store: Store,
    path: Path | str,
    corrections: Path | str | None = None,
    *,
    progress: Progress = no_progress,
) -> ImportReport:
    """Import kpopnet.json into the catalog (idempotent; merges with catalog artists).

    Each idol and group cites its own kpopnet profile page; values corrected by
    ``corrections`` (default: corrections.toml beside the file) cite the correction's page.
    """
    started = time.perf_counter()
    path = Path(path)
    groups, idols = _load(path)
    fixes = load_corrections(Path(corrections) if corrections else path.with_name(CORRECTIONS_FILE))
    applied = 0
    # Each idol and group is visited twice (identity, then details), then one bulk write.
    total, done = 2 * (len(groups) + len(idols)) + 1, 0
    progress(done, total)

    async def write(conn: db.Conn) -> tuple[dict[str, int], list[Any], int]:
        nonlocal applied, done
        profile: dict[str, int] = {}
        for item in (*groups, *idols):
            profile[item["id"]] = await db.upsert_source(
                conn,
                f"kpopnet:{item['id']}",
                ORIGIN,
                _profile_url(item),
                SOURCE_OUTLET,
                f"{item['name']} ({item['name_original']})",
            )
        fixed: dict[tuple[str, str], int] = {}
        by_id = {item["id"]: item for item in (*groups, *idols)}
        for fix in fixes:
            fixing = by_id.get(fix.kpopnet)
            if fixing is None or (fixing.get(fix.field) or "") != fix.wrong:
                continue
            fixing[fix.field] = fix.right or None
            fixed[(fix.kpopnet, fix.field)] = await db.upsert_source(
                conn, fix.key, CORRECTION_ORIGIN, fix.url, fix.outlet, fix.note
            )
            applied += 1
        # Match before deleting kpopnet's own facts (its external ids are among them).
        external = await db.external_id_map(conn, ORIGIN)
        identities = await db.artist_identities(conn)
        origin_of = {eid: origin for eid, origin, *_ in identities}
        by_birth: dict[tuple[str, str], set[int]] = {}
        by_debut: dict[tuple[str, str], set[int]] = {}
        for eid, origin, _key, norm, birth, debut in identities:
            if origin == ORIGIN:
                continue
            if birth:
                by_birth.setdefault((norm, birth), set()).add(eid)
            if debut:
                by_debut.setdefault((norm, debut), set()).add(eid)

        def match(
            item: dict[str, Any], index: dict[tuple[str, str], set[int]], date: str | None
        ) -> int | None:
            mapped = external.get(item["id"])
            if mapped is not None and origin_of.get(mapped, ORIGIN) != ORIGIN:
                return mapped
            if not date:
                return None
            found: set[int] = set()
            for text in (item["name"], item["name_original"], known(item.get("real_name"))):
                if text:
                    found |= index.get((normalize(text), date), set())
            return next(iter(found)) if len(found) == 1 else None

        ids: dict[str, int] = {}
        merged: dict[str, int] = {}
        for kind, items in (("group", groups), ("person", idols)):
            for item in items:
                date = (
                    _date(item.get("birth_date"))
                    if kind == "person"
                    else _date(item.get("debut_date"))
                )
                target = match(item, by_birth if kind == "person" else by_debut, date)
                done += 1
                progress(done, total)
                if target is not None:
                    ids[item["id"]] = merged[item["id"]] = target
                    continue
                hangul = item["name_original"] if has_hangul(item["name_original"]) else None
                ids[item["id"]] = await db.upsert_entity(
                    conn,
                    "artist",
                    f"kpopnet:{item['id']}",
                    ORIGIN,
                    item["name"],
                    hangul,
                    1 if kind == "group" else 0,
                )
        # Names are compared, not rewritten: a re-import keeps each unchanged name's row.
        await db.delete_facts_by_origin(conn, [ORIGIN], names=False)
        # A kpopnet entity left over from before a catalog artist took its place.
        for kp_id, target in merged.items():
            left = await db.entity_id_by_key(conn, "artist", f"kpopnet:{kp_id}")
            if left is not None and left != target:
                await db.merge_entity(conn, left, target)

        names: list[db.NameInsert] = []
        sources: list[db.EntitySourceInsert] = []
        external_rows: list[db.ExternalIdInsert] = []
        memberships: list[db.MembershipInsert] = []
        for kind, items in (("group", groups), ("person", idols)):
            for item in items:
                entity_id = ids[item["id"]]
                own = item["id"] not in merged
                done += 1
                progress(done, total)
                parent = ids.get(item.get("parent_id") or "") if kind == "group" else None
                await db.upsert_artist(
                    conn,
                    entity_id,
                    kind,
                    legal_name=known(item.get("real_name")),
                    legal_name_hangul=known(item.get("real_name_original")),
                    birth_date=_date(item.get("birth_date")),
                    debut_date=_date(item.get("debut_date")),
                    end_date=_date(item.get("disband_date")),
                    agency=known(item.get("agency_name")),
                    parent_group_id=parent,
                    fill_only=not own,
                )
                own_source = profile[item["id"]]
                attribute_sources: dict[str, int | None] = {
                    attribute: fixed.get((item["id"], field), own_source)
                    for field, attribute in FIELDS.items()
                }
                attribute_sources["legal_name"] = own_source
                await provenance.set_attribute_sources(
                    conn, "artist", entity_id, attribute_sources, fill_only=not own
                )
                candidates = [
                    (item["name"], "stage", "en", own),
                    (
                        item["name_original"],
                        "hangul" if has_hangul(item["name_original"]) else "hint",
                        "ko" if has_hangul(item["name_original"]) else None,
                        own,
                    ),
                    (known(item.get("real_name")), "legal", "en", False),
                    (known(item.get("real_name_original")), "legal", "ko", False),
                    *(
                        (
                            a,
                            "hangul" if has_hangul(a) else "hint",
                            "ko" if has_hangul(a) else None,
                            False,
                        )
                        for a in _split_aliases(item.get("name_alias"))
                        if not is_placeholder(a)
                    ),
                ]
                seen: set[str] = set()
                for text, type_, locale, primary in candidates:
                    norm = normalize(text or "")
                    if norm and norm not in seen:
                        seen.add(norm)
                        names.append(
                            db.NameInsert(
                                entity_id,
                                "artist",
                                text,
                                norm,
                                type_,
                                locale,
                                bool(primary and locale),
                                ORIGIN,
                            )
                        )
                sources.append(db.EntitySourceInsert(entity_id, profile[item["id"]], ORIGIN))
                if not own:
                    external_rows.append(db.ExternalIdInsert(ORIGIN, item["id"], entity_id, ORIGIN))
        for group in groups:
            for member in group.get("members") or []:
                person = ids.get(member.get("idol_id", ""))
                if person is None:
                    continue
                current = member.get("current")
                memberships.append(
                    db.MembershipInsert(
                        person,
                        ids[group["id"]],
                        None,
                        None,
                        None,
                        None if current is None else int(bool(current)),
                        member.get("roles"),
                        profile[group["id"]],
                        ORIGIN,
                    )
                )
        await give_way_to_stored(conn, names)
        await db.replace_names(
            conn, await db.names_by_origin(conn, [ORIGIN]), names, overwrite=False
        )
        await db.add_entity_sources(conn, sources)
        await db.add_external_ids(conn, external_rows)
        await db.add_memberships(conn, memberships)
        keep = {
            "artist": {f"kpopnet:{i['id']}" for i in (*groups, *idols) if i["id"] not in merged}
        }
        deleted = await db.delete_stale_entities(conn, [ORIGIN], keep)
        await db.refresh_labels(conn)
        await refresh_romanized_names(conn)
        await db.bump_catalog_version(conn)
        return merged, memberships, deleted

    # One transaction on the database's thread: thousands of statements, one hand-over.
    merged, memberships, deleted = await store.batch(write)
    progress(total, total)
    if merged:
        log.info("kpopnet: %d artists merged into catalog artists", len(merged))
    return ImportReport(
        "kpopnet",
        (display_path(path),),
        {
            "group": len(groups),
            "idol": len(idols),
            "merged": len(merged),
            "membership": len(memberships),
            "correction": applied,
        },
        deleted,
        (),
        time.perf_counter() - started,
    )
