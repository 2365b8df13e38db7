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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from linernotes.bot.knowledge.importers.report import (
    CatalogError,
    ImportReport,
    Progress,
    display_path,
    no_progress,
)
from linernotes.bot.knowledge.normalize import has_hangul, normalize
from linernotes.bot.store import catalog as db
from linernotes.bot.store.core import Store

log = logging.getLogger(__name__)

ORIGIN = "kpopnet"
SOURCE_KEY = "kpopnet:dataset"
SOURCE_URL = "https://github.com/Kpopnet/kpopnet.json"
SOURCE_OUTLET = "kpopnet (CC0)"

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


def _split_aliases(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _date(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 10 else None


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
    store: Store, path: Path | str, *, progress: Progress = no_progress
) -> ImportReport:
    """Import kpopnet.json into the catalog (idempotent; merges with catalog artists)."""
    started = time.perf_counter()
    path = Path(path)
    groups, idols = _load(path)
    # Each idol and group is visited twice (identity, then details), then one bulk write.
    total, done = 2 * (len(groups) + len(idols)) + 1, 0
    progress(done, total)
    async with store.transaction() as conn:
        source_id = await db.upsert_source(
            conn, SOURCE_KEY, ORIGIN, SOURCE_URL, SOURCE_OUTLET, "kpopnet.json: K-pop idol profiles"
        )
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
            for text in (item["name"], item["name_original"], item.get("real_name")):
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
        await db.delete_facts_by_origin(conn, [ORIGIN])
        # A kpopnet entity left over from before a catalog artist took its place.
        for kp_id, target in merged.items():
            row = await (
                await conn.execute(
                    "SELECT id FROM entities WHERE kind = 'artist' AND key = ?",
                    (f"kpopnet:{kp_id}",),
                )
            ).fetchone()
            if row is not None and int(row[0]) != target:
                await db.merge_entity(conn, int(row[0]), target)

        names: list[tuple[int, str, str, str, str, str | None, bool, str]] = []
        sources, external_rows, memberships = [], [], []
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
                    legal_name=item.get("real_name") or None,
                    legal_name_hangul=item.get("real_name_original") or None,
                    birth_date=_date(item.get("birth_date")),
                    debut_date=_date(item.get("debut_date")),
                    end_date=_date(item.get("disband_date")),
                    agency=item.get("agency_name") or None,
                    parent_group_id=parent,
                    fill_only=not own,
                )
                candidates = [
                    (item["name"], "stage", "en", own),
                    (
                        item["name_original"],
                        "hangul" if has_hangul(item["name_original"]) else "hint",
                        "ko" if has_hangul(item["name_original"]) else None,
                        own,
                    ),
                    (item.get("real_name"), "legal", "en", False),
                    (item.get("real_name_original"), "legal", "ko", False),
                    *(
                        (
                            a,
                            "hangul" if has_hangul(a) else "hint",
                            "ko" if has_hangul(a) else None,
                            False,
                        )
                        for a in _split_aliases(item.get("name_alias"))
                    ),
                ]
                seen: set[str] = set()
                for text, type_, locale, primary in candidates:
                    norm = normalize(text or "")
                    if norm and norm not in seen:
                        seen.add(norm)
                        names.append(
                            (
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
                sources.append((entity_id, source_id, ORIGIN))
                if not own:
                    external_rows.append((ORIGIN, item["id"], entity_id, ORIGIN))
        for group in groups:
            for member in group.get("members") or []:
                person = ids.get(member.get("idol_id", ""))
                if person is None:
                    continue
                current = member.get("current")
                memberships.append(
                    (
                        person,
                        ids[group["id"]],
                        None,
                        None,
                        None,
                        None if current is None else int(bool(current)),
                        member.get("roles"),
                        source_id,
                        ORIGIN,
                    )
                )
        await db.add_names(conn, names, overwrite=False)
        await db.add_entity_sources(conn, sources)
        await db.add_external_ids(conn, external_rows)
        await db.add_memberships(conn, memberships)
        keep = {
            "artist": {f"kpopnet:{i['id']}" for i in (*groups, *idols) if i["id"] not in merged}
        }
        deleted = await db.delete_stale_entities(conn, [ORIGIN], keep)
        await db.refresh_labels(conn)
        await db.bump_catalog_version(conn)
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
        },
        deleted,
        (),
        time.perf_counter() - started,
    )
