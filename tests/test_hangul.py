"""Korean particles chosen by a name's last sound."""

from __future__ import annotations

from bot.core.hangul import particle


def test_particles_follow_the_last_sound() -> None:
    assert particle("RM", "이/가") == "RM이" and particle("IU", "이/가") == "IU가"
    assert particle("Jungkook", "은/는") == "Jungkook은"
    assert particle("BLACKPINK", "은/는") == "BLACKPINK는"
    assert particle("봄날", "이에요/예요") == "봄날이에요"
    assert particle("지수", "이에요/예요") == "지수예요"
    assert particle("서울", "으로/로") == "서울로" and particle("작곡", "으로/로") == "작곡으로"
    assert particle("“Love wins all”", "을/를") == "“Love wins all”을"  # quotes are not read
    assert particle("김지수", "이에요/예요") == "김지수예요"


def test_a_silent_final_e_leaves_the_consonant_before_it() -> None:
    assert particle("Danielle", "은/는") == "Danielle은"  # 다니엘
    assert particle("Irene", "이/가") == "Irene이"  # 아이린
    assert particle("Little", "은/는") == "Little는"  # 리틀: the e is heard
    assert particle("Rose", "은/는") == "Rose는" and particle("Jennie", "이/가") == "Jennie가"


def test_a_final_c_is_a_stop_after_a_vowel() -> None:
    assert particle("“Lilac”", "을/를") == "“Lilac”을"  # 라일락
    assert particle("Magic", "이/가") == "Magic이"  # 매직
    assert particle("Disc", "은/는") == "Disc는"  # 디스크: after a consonant it is heard


def test_a_label_takes_the_particle_of_the_name_before_its_parenthesis() -> None:
    assert particle("Hyunjin (Stray Kids)", "은/는") == "Hyunjin (Stray Kids)은"  # 현진(…)은
    assert particle("Jisoo (BLACKPINK)", "은/는") == "Jisoo (BLACKPINK)는"
    assert particle("“Lilac” (IU)", "으로/로") == "“Lilac” (IU)으로"
