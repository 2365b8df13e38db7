"""The source policy: which pages may be cited for a fact, and how much each is trusted.

Plain data and pure functions. A URL is graded by the most specific entry of ``DOMAINS``
that its host falls under (``news.naver.com`` before ``naver.com``); a host in no entry is
graded ``fan`` (blogs, fan sites and every site not vetted here). Some URLs are refused
outright, each by a named rule, so an importer, the catalog validator, ``/suggest`` and the
online lookups all refuse the same pages with the same words.

Grades, best first: ``primary`` (agencies, labels, the artists' own channels, KOMCA,
MusicBrainz, Wikidata), ``encyclopedic`` (Wikipedia), ``press`` (established outlets in
Korean and English), ``fan`` (wikis, fan sites, blogs). Facts that entered through an
importer of an open database are graded ``database`` and approved member suggestions
``community``, whatever their URL: see :func:`fact_grade`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit

from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.knowledge import vocab

GRADES = vocab.URL_GRADE_KEYS
# Every grade a fact can carry, best first (used to pick the best of several sources).
FACT_GRADES = vocab.GRADE_KEYS
# Origins of facts written by importers of open databases, and by approved suggestions.
DATABASE_ORIGINS = ("kpopnet", "musicbrainz", "wikidata")
COMMUNITY_ORIGINS = ("suggestion",)

# host (or parent domain) -> grade. Keep each block sorted; add a domain with its grade.
DOMAINS: dict[str, str] = {
    # primary: agencies and labels (and their official shops), the artists' own channels,
    # the rights society, the open music databases, and the streaming services whose credit
    # pages are supplied by the labels.
    "ador.world": "primary",
    "bighitmusic.com": "primary",
    "bugs.co.kr": "primary",
    "cubeent.co.kr": "primary",
    "edam-ent.com": "primary",
    "genie.co.kr": "primary",
    "hybecorp.com": "primary",
    "ibighit.com": "primary",
    "jype.com": "primary",
    "kakaoent.com": "primary",
    "komca.or.kr": "primary",
    "melon.com": "primary",
    "musicbrainz.org": "primary",
    "pledis.co.kr": "primary",
    "smentertainment.com": "primary",
    "smtown.com": "primary",
    "starship-ent.com": "primary",
    "vibe.naver.com": "primary",
    "weverse.io": "primary",
    "wikidata.org": "primary",
    "ygfamily.com": "primary",
    "ygselect.com": "primary",
    "youtu.be": "primary",
    "youtube.com": "primary",
    # encyclopedic
    "wikipedia.org": "encyclopedic",
    # press: established outlets, Korean then English
    "ajunews.com": "press",
    "chosun.com": "press",
    "cineplay.co.kr": "press",
    "daum.net": "press",
    "dispatch.co.kr": "press",
    "donga.com": "press",
    "edaily.co.kr": "press",
    "etnews.com": "press",
    "etoday.co.kr": "press",
    "gqkorea.co.kr": "press",
    "hani.co.kr": "press",
    "hankyung.com": "press",
    "heraldcorp.com": "press",
    "idaegu.co.kr": "press",
    "imbc.com": "press",
    "izm.co.kr": "press",
    "joongang.co.kr": "press",
    "kbs.co.kr": "press",
    "khan.co.kr": "press",
    "koreaherald.com": "press",
    "koreajoongangdaily.joins.com": "press",
    "koreatimes.co.kr": "press",
    "kstyle.com": "press",
    "mbn.co.kr": "press",
    "mk.co.kr": "press",
    "news.naver.com": "press",
    "entertain.naver.com": "press",
    "news1.kr": "press",
    "newsen.com": "press",
    "newsis.com": "press",
    "nocutnews.co.kr": "press",
    "osen.co.kr": "press",
    "sbs.co.kr": "press",
    "sedaily.com": "press",
    "seoul.co.kr": "press",
    "sisunnews.co.kr": "press",
    "sportsseoul.com": "press",
    "starnewskorea.com": "press",
    "xportsnews.com": "press",
    "yna.co.kr": "press",
    "ytn.co.kr": "press",
    "allkpop.com": "press",
    "augustman.com": "press",
    "bbc.co.uk": "press",
    "bbc.com": "press",
    "billboard.com": "press",
    "cnn.com": "press",
    "dazeddigital.com": "press",
    "domusweb.it": "press",
    "forbes.com": "press",
    "grammy.com": "press",
    "hollywoodreporter.com": "press",
    "inquirer.net": "press",
    "j-14.com": "press",
    "koreaboo.com": "press",
    "latimes.com": "press",
    "nme.com": "press",
    "npr.org": "press",
    "nytimes.com": "press",
    "okezone.com": "press",
    "pinkvilla.com": "press",
    "pitchfork.com": "press",
    "rollingstone.com": "press",
    "soompi.com": "press",
    "sportskeeda.com": "press",
    "teenvogue.com": "press",
    "theguardian.com": "press",
    "themarysue.com": "press",
    "time.com": "press",
    "variety.com": "press",
    "vogue.com": "press",
    "vulture.com": "press",
    # fan: wikis and fan sites named here so they are not mistaken for press
    "blog.naver.com": "fan",
    "blogspot.com": "fan",
    "fandom.com": "fan",
    "genius.com": "fan",
    "kpop.re": "fan",
    "namu.wiki": "fan",
    "reddit.com": "fan",
    "tistory.com": "fan",
    "wixsite.com": "fan",
}

# Sites that show another site's pages: cite the original instead.
MIRRORS = frozenset(
    {
        "askwikinow.com",
        "cnclips.net",
        "infogalactic.com",
        "lr.vern.cc",
        "melakarnets.com",
        "moovly.ru",
        "movatter.jp",
        "translate.goog",
        "wikisum.wiki",
        "wikiwand.com",
    }
)
# Sites that reprint other outlets' articles or fill pages with copied credits.
REPRINTS = frozenset(
    {
        "bestanimalzone.com",
        "fanafad.my.id",
        "kggfan.com",
        "kpoplocks818.blogspot.com",
        "kpopofficial.com",
        "mp3b.com",
        "shzq.org",
        "solitudelandscaping.com",
        "solotrust.com",
        "somagnews.com",
        "teknolojikizi.com",
        "todayprimenews.com",
        "xncsb.cn",
    }
)
# Query keys and path words of search and listing pages.
SEARCH_KEYS = frozenset(
    {"q", "query", "search", "search_query", "keyword", "keywords", "kw", "s", "searchword", "wd"}
)
SEARCH_SEGMENT = re.compile(r"^(?:search\w*|cari(?:-berita)?|tags?)(?:\.\w+)?$", re.I)
PROXY_PATH = re.compile(r"(?:^|/)proxy(?:/|\.php|$)", re.I)

RULES = {
    "malformed-url": N_("is not a well-formed web address"),
    "search-page": N_("is a search, tag or query page, not a page about the fact"),
    "proxy-or-mirror": N_("is a web proxy or a mirror of another site"),
    "reprint-or-spam": N_("is a known reprint or spam site"),
}
HINTS = {
    "malformed-url": N_(
        "write the full address, percent-encoded (no spaces, no '…', nothing cut off)"
    ),
    "search-page": N_("cite the article or profile page itself"),
    "proxy-or-mirror": N_("cite the original page"),
    "reprint-or-spam": N_("cite the outlet that first published it"),
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the policy says of a URL: its grade, or the rule that refuses it."""

    url: str
    grade: str | None
    rule: str | None = None

    @property
    def refused(self) -> bool:
        """Tell whether the URL may not be cited."""
        return self.rule is not None

    @property
    def message(self) -> str:
        """Return the refusal in words, naming the rule (empty when accepted)."""
        if self.rule is None:
            return ""
        return f'refused by rule "{self.rule}": {self.url} {RULES[self.rule]}; {HINTS[self.rule]}'


class SourceRefused(UserError):
    """A source the policy refuses; the message names the rule."""

    def __init__(self, verdict: Verdict) -> None:
        rule = verdict.rule or ""
        super().__init__(
            N_('refused by rule "{rule}": {url} {why}; {hint}'),
            rule=rule,
            url=verdict.url,
            why=RULES.get(rule, ""),
            hint=HINTS.get(rule, ""),
        )
        self.verdict = verdict


def host_of(url: str) -> str:
    """Return the lower-case host of a URL without a leading "www." or "m."."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m."):
        host = host.removeprefix(prefix)
    return host


def _under(host: str, domains: frozenset[str] | dict[str, str]) -> str | None:
    """Return the most specific entry of ``domains`` that ``host`` is or falls under."""
    parts = host.split(".")
    for start in range(len(parts) - 1):
        candidate = ".".join(parts[start:])
        if candidate in domains:
            return candidate
    return None


def _decodes(text: str) -> bool:
    try:
        unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _malformed(url: str) -> bool:
    if not url or url != url.strip() or any(c.isspace() for c in url):
        return True
    if not url.isascii():  # Hangul, "…" and other characters must be percent-encoded
        return True
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return True
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or port == 0:
        return True
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        return True
    # A percent-encoded address cut off mid-character no longer decodes.
    return not _decodes(parts.path) or not _decodes(parts.query)


# Cards grade the same sources on every view: each address is judged once (a pure function).
@functools.lru_cache(maxsize=4096)
def judge(url: str) -> Verdict:
    """Grade a URL, or refuse it by the first rule it breaks."""
    if _malformed(url):
        return Verdict(url, None, "malformed-url")
    parts = urlsplit(url)
    host = host_of(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if (
        _under(host, MIRRORS)
        or PROXY_PATH.search(parts.path)
        or any(re.match(r"^https?(?::|%3A)", v, re.I) for _, v in query)
    ):
        return Verdict(url, None, "proxy-or-mirror")
    if _under(host, REPRINTS):
        return Verdict(url, None, "reprint-or-spam")
    segments = parts.path.split("/")
    if any(k.lower() in SEARCH_KEYS for k, _ in query) or any(
        SEARCH_SEGMENT.match(s) for s in segments
    ):
        return Verdict(url, None, "search-page")
    domain = _under(host, DOMAINS)
    return Verdict(url, DOMAINS[domain] if domain else "fan")


def check(url: str) -> str:
    """Return the grade of an acceptable URL; raise SourceRefused naming the rule otherwise."""
    verdict = judge(url)
    if verdict.refused:
        raise SourceRefused(verdict)
    return verdict.grade or "fan"


def fact_grade(url: str, origin: str) -> str:
    """Return the grade of a fact from its source's URL and the origin that stored it."""
    if origin in COMMUNITY_ORIGINS:
        return "community"
    if origin in DATABASE_ORIGINS:
        return "database"
    return judge(url).grade or "fan"


def best_grade(grades: list[str] | tuple[str, ...]) -> str:
    """Return the most trusted of several grades (a fact cited by several sources)."""
    known = [g for g in grades if g in FACT_GRADES]
    return min(known, key=FACT_GRADES.index) if known else "fan"
