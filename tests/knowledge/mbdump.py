"""Build MusicBrainz JSON dumps (and Wikidata files) from the real ws/2 samples, deterministically.

Every line is a real response from tests/knowledge/fixtures/musicbrainz with its ids replaced
by ids derived from the line number, its title numbered, and its credited artists
pointed at generated artists: even-numbered artists are from Korea (area KR) and carry a
Hangul alias, odd ones from the United Kingdom; every third is tagged "k-pop". The same
arguments give the same bytes.
"""

from __future__ import annotations

import functools
import io
import json
import re
import tarfile
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "fixtures" / "musicbrainz"
_NS = uuid.UUID("5b1f7a43-7c57-4f4e-9c2a-3b0d1e6a9c10")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RECORDINGS = (
    "recording_credits.json",
    "recording_video.json",
    "recording_multi_artists_1.json",
    "recording_artist_aliases_locales.json",
)
RELEASE_GROUPS = ("release_group.json",)
RELEASES = ("release.json",)
ARTISTS = ("artist.json", "artist_ended.json")


@functools.cache
def _load(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def mbid(salt: str) -> str:
    """Return the id a generated entity gets."""
    return str(uuid.uuid5(_NS, salt))


def artist_id(n: int) -> str:
    """Return the MBID of generated artist ``n``."""
    return mbid(f"artist/{n}")


def artist_name(n: int) -> str:
    """Return the name of generated artist ``n``."""
    return f"{json.loads(_load(ARTISTS[n % len(ARTISTS)]))['name']} {n}"


def is_korean(n: int) -> bool:
    """Tell whether generated artist ``n`` is from Korea."""
    return n % 2 == 0


@functools.cache
def _pieces(name: str) -> tuple[list[str], list[str]]:
    text = _load(name)
    return _UUID.split(text), _UUID.findall(text)


def _remap(name: str, salt: str) -> dict[str, Any]:
    """Return a sample with every id replaced by one derived from ``salt`` (cheap, stable)."""
    texts, ids = _pieces(name)
    out = [texts[0]]
    for old, text in zip(ids, texts[1:], strict=True):
        out.append(f"{zlib.crc32(f'{salt}/{old}'.encode()):08x}{old[8:]}")
        out.append(text)
    doc: dict[str, Any] = json.loads("".join(out))
    return doc


def artist_line(n: int) -> dict[str, Any]:
    """Return generated artist ``n`` (from the artist samples)."""
    doc = _remap(ARTISTS[n % len(ARTISTS)], f"a{n}")
    doc["id"] = artist_id(n)
    doc["name"] = artist_name(n)
    doc["sort-name"] = doc["name"]
    code, country = ("KR", "South Korea") if is_korean(n) else ("GB", "United Kingdom")
    doc["country"] = code
    doc["area"] = {**(doc.get("area") or {}), "iso-3166-1-codes": [code], "name": country}
    doc["tags"] = [{"name": "k-pop", "count": 3}] if n % 3 == 0 else []
    doc["aliases"] = (
        [{"name": f"가수 {n}", "locale": "ko", "type": "Artist name"}] if code == "KR" else []
    )
    return doc


def _credit(artists: int, i: int) -> list[dict[str, Any]]:
    n = (i * 7 + i // len(RECORDINGS)) % artists
    name = artist_name(n)
    return [
        {
            "name": name,
            "joinphrase": "",
            "artist": {"id": artist_id(n), "name": name, "sort-name": name},
        }
    ]


def entity_line(i: int, kind: str, artists: int) -> dict[str, Any]:
    """Return line ``i`` of a recording, release-group or release dump."""
    samples = {"recording": RECORDINGS, "release-group": RELEASE_GROUPS, "release": RELEASES}
    names = samples[kind]
    doc = _remap(names[i % len(names)], f"{kind}{i}")
    doc["title"] = f"{doc.get('title') or 'Untitled'} {i}"
    doc["artist-credit"] = _credit(artists, i)
    if kind == "recording":
        doc["releases"] = [{"id": mbid(f"r{i}/{k}")} for k in range(1 + i % 4)]
    return doc


def dump_members(lines: int) -> dict[str, Iterator[str]]:
    """Return the dump's members: about a fifth artists, the rest recordings and releases."""
    artists = max(4, lines // 5)
    rest = lines - artists
    groups = max(1, rest // 20)
    releases = max(1, rest // 40)
    recordings = rest - groups - releases

    def gen(kind: str, count: int) -> Iterator[str]:
        for i in range(count):
            doc = artist_line(i) if kind == "artist" else entity_line(i, kind, artists)
            yield json.dumps(doc, ensure_ascii=False)

    return {
        "artist": gen("artist", artists),
        "recording": gen("recording", recordings),
        "release-group": gen("release-group", groups),
        "release": gen("release", releases),
    }


def write_tar_xz(path: Path, lines: int) -> Path:
    """Write a dump tarball like MusicBrainz's (mbdump/<entity> members, extra files)."""
    with tarfile.open(path, "w:xz", preset=1) as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

        add("TIMESTAMP", b"2026-11-25 00:00:00.000000+00\n")
        for member, items in dump_members(lines).items():
            add(f"mbdump/{member}", "".join(f"{line}\n" for line in items).encode())
        add("mbdump/work", b'{"id": "not-imported"}\n')
    return path


def write_lines(path: Path, lines: int, *, interleave: bool = False) -> Path:
    """Write the same dump as one plain file of JSON lines: artists first, or all mixed.

    Mixed, every stretch of the file has the same share of big and small lines.
    """
    members = list(dump_members(lines).values())
    with path.open("w", encoding="utf-8") as out:
        if interleave:
            spread = []
            for number, items in enumerate(members):
                texts = list(items)
                spread.extend(((i + 0.5) / len(texts), number, t) for i, t in enumerate(texts))
            out.writelines(text + "\n" for *_, text in sorted(spread))
        else:
            for items in members:
                out.writelines(line + "\n" for line in items)
    return path


def wikidata_entity(n: int) -> dict[str, Any]:
    """Return a Wikidata item (entity dump shape) for generated artist ``n``."""
    return {
        "type": "item",
        "id": f"Q{900000 + n}",
        "labels": {
            "ko": {"language": "ko", "value": f"위키 가수 {n}"},
            "en": {"language": "en", "value": artist_name(n)},
        },
        "aliases": {"ko": [{"language": "ko", "value": f"별명 {n}"}]},
        "claims": {
            "P434": [
                {
                    "mainsnak": {
                        "snaktype": "value",
                        "property": "P434",
                        "datavalue": {"value": artist_id(n), "type": "string"},
                    },
                    "type": "statement",
                    "rank": "normal",
                }
            ]
        },
        "sitelinks": {f"wiki{k}": {"site": f"wiki{k}", "title": "x"} for k in range(n % 30)},
    }


def write_wikidata_dump(path: Path, items: int) -> Path:
    """Write entity dump lines: "[", one entity per line with a comma, "]"."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for n in range(items):
            comma = "," if n < items - 1 else ""
            out.write(json.dumps(wikidata_entity(n), ensure_ascii=False) + comma + "\n")
        out.write("]\n")
    return path


def write_sparql(path: Path, items: int, *, broken: int | None = None) -> Path:
    """Write a SPARQL JSON result (pretty-printed, as the query service sends it)."""
    bindings = []
    for n in range(items):
        row: dict[str, Any] = {
            "item": {"type": "uri", "value": f"http://www.wikidata.org/entity/Q{900000 + n}"},
            "artistMBID": {"type": "literal", "value": artist_id(n)},
            "itemLabel": {"xml:lang": "ko", "type": "literal", "value": f"위키 가수 {n}"},
            "sitelinks": {
                "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                "type": "literal",
                "value": str(n % 30),
            },
        }
        if n == broken:
            row["item"] = {"type": "literal", "value": "not an item"}
        bindings.append(row)
    doc = {
        "head": {"vars": ["item", "artistMBID", "itemLabel", "sitelinks"]},
        "results": {"bindings": bindings},
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
