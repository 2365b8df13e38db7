"""The source policy: grades by domain, and each class of bad source refused by its rule."""

from __future__ import annotations

import pytest

from bot.knowledge.sources import (
    SourceRefused,
    best_grade,
    check,
    fact_grade,
    judge,
)


@pytest.mark.parametrize(
    ("url", "grade"),
    [
        ("https://www.youtube.com/watch?v=xEeFrLSkMm8", "primary"),
        ("https://musicbrainz.org/recording/0a8b0a2c-0000-4000-8000-000000000000", "primary"),
        ("https://www.wikidata.org/wiki/Q123", "primary"),
        ("https://en.wikipedia.org/wiki/Spring_Day_(song)", "encyclopedic"),
        ("https://ko.m.wikipedia.org/wiki/%EB%B4%84%EB%82%A0", "encyclopedic"),
        ("https://www.billboard.com/music/pop/some-article-1235293532/", "press"),
        ("https://n.news.naver.com/entertain/article/001/0014000000", "press"),
        ("https://blog.naver.com/someone/2230000000", "fan"),
        ("https://kpop.fandom.com/wiki/Wings_(BTS)", "fan"),
        ("https://net.kpop.re/?id=7KOGqnkBambJhEWv06v3", "fan"),
        ("https://an-unlisted-blog.example.org/post/1", "fan"),
    ],
)
def test_domains_are_graded(url: str, grade: str) -> None:
    assert judge(url).grade == grade
    assert check(url) == grade


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        # search and query pages
        ("https://www.soompi.com/?s=spring+day", "search-page"),
        ("https://example-news.co.kr/news/list.html?q=%EB%B4%84%EB%82%A0", "search-page"),
        ("https://news.example.id/read/18124/images/cari-berita.php", "search-page"),
        ("https://www.allkpop.com/search/iu", "search-page"),
        ("https://www.koreaboo.com/tag/bts/", "search-page"),
        # web proxies and mirrors
        (
            "https://lr.vern.cc/r/bangtan/comments/5tmifx/ynwa_theories_megathread/",
            "proxy-or-mirror",
        ),
        (
            "http://movatter.jp/mt/?dark=on&url=https%3A%2F%2Fen.wikipedia.org%2Fwiki%2FFancy",
            "proxy-or-mirror",
        ),
        ("https://proxy.example.com/proxy/index.php?u=abc", "proxy-or-mirror"),
        ("https://wikiwand.com/en/articles/Maniac_(Stray_Kids_song)", "proxy-or-mirror"),
        ("https://www.cnclips.net/video/xEeFrLSkMm8/bts-spring-day.html", "proxy-or-mirror"),
        # reprint and spam sites
        (
            "http://solitudelandscaping.com/viewtopic.php?9dbaf3=eight-iu-and-suga",
            "reprint-or-spam",
        ),
        ("https://mp3b.com/song/908507ea3c077e68ad476e8bb6c0011e", "reprint-or-spam"),
        # malformed: not percent-encoded, cut off, not a web address
        ("http://kstars.jkn.co.kr/articles/23857/블랙핑크-뚜두뚜두…기대감.htm", "malformed-url"),
        (
            "https://www.gqkorea.co.kr/2023/03/17/%EC%95%84%EC%9D%B4%EB%B8%8C-%EC%9E%91%EC%82",
            "malformed-url",
        ),
        ("https://example.com/a%2", "malformed-url"),
        ("https://example.com/a page", "malformed-url"),
        ("ftp://example.com/file", "malformed-url"),
        ("https://localhost/page", "malformed-url"),
    ],
)
def test_each_class_of_bad_source_is_refused_by_its_rule(url: str, rule: str) -> None:
    verdict = judge(url)
    assert verdict.refused and verdict.grade is None
    assert verdict.rule == rule
    with pytest.raises(SourceRefused) as caught:
        check(url)
    assert f'rule "{rule}"' in str(caught.value)
    assert caught.value.verdict.rule == rule


def test_profile_pages_with_an_id_query_are_not_search_pages() -> None:
    assert not judge("https://net.kpop.re/?id=7KOGqnkBambJhEWv06v3").refused
    assert not judge("https://www.koreaherald.com/view.php?ud=20200506000979").refused
    assert not judge(
        "https://www.billboard.com/articles/columns/k-town/7686345/spring-day/"
    ).refused


def test_fact_grades_follow_the_origin_for_databases_and_suggestions() -> None:
    wiki = "https://en.wikipedia.org/wiki/Blueming_(song)"
    assert fact_grade(wiki, "iu.toml") == "encyclopedic"
    assert fact_grade(wiki, "suggestion") == "community"
    assert fact_grade("https://musicbrainz.org/recording/x", "musicbrainz") == "database"
    assert fact_grade("https://net.kpop.re/?id=abc", "kpopnet") == "database"
    assert best_grade(["fan", "press", "community"]) == "press"
    assert best_grade(["community"]) == "community"


def test_the_domain_table_uses_the_vocabulary_grades_and_every_grade_has_a_label() -> None:
    from bot.knowledge import sources, vocab

    assert set(sources.DOMAINS.values()) == set(vocab.URL_GRADE_KEYS)
    assert not set(sources.MIRRORS) & set(sources.DOMAINS)
    assert not set(sources.REPRINTS) & set(sources.DOMAINS)
    assert vocab.grade_note("community") == " (community, approved by a moderator)"
    assert vocab.grade_note("press") == " (press)"
    assert vocab.grade_note("primary") == vocab.grade_note("encyclopedic") == ""
