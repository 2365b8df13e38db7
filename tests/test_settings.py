"""Settings: validated at start-up, one line naming the bad setting, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import __version__
from bot.core.errors import ConfigError
from bot.core.settings import load_settings
from bot.core.useragent import user_agent
from tests.support.cli import run_cli_in_process


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={}, env_file=None)
    assert settings.discord_token is None
    assert settings.database_path == tmp_path / "xdg" / "linernotes" / "linernotes.db"
    assert settings.database_origin == "data directory"
    assert settings.database_notice() is None
    assert settings.discord_api_base == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg/"
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.feed_poll_seconds == 900
    assert settings.discord_retry_seconds == 1
    assert settings.feed_allow_private_hosts is False
    assert settings.musicbrainz_api_base == "https://musicbrainz.org/ws/2"
    assert settings.musicbrainz_contact is None
    assert settings.wikidata_api_base == "https://www.wikidata.org/w/api.php"
    assert settings.online_lookups is True


def test_settings_are_frozen() -> None:
    settings = load_settings(env={}, env_file=None)
    with pytest.raises(AttributeError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FEED_POLL_SECONDS", "0", "at least 1"),
        ("FEED_POLL_SECONDS", "soon", "whole number"),
        ("DISCORD_RETRY_SECONDS", "0", "at least 0.1 seconds"),
        ("DISCORD_RETRY_SECONDS", "inf", "at least 0.1 seconds"),
        ("DISCORD_RETRY_SECONDS", "nan", "at least 0.1 seconds"),
        ("DISCORD_RETRY_SECONDS", "later", "number of seconds"),
        ("DEV_GUILD_ID", "my-server", "whole number"),
        ("LOG_LEVEL", "LOUD", "one of"),
        ("FEED_ALLOW_PRIVATE_HOSTS", "maybe", "true or false"),
        ("DISCORD_API_BASE", "discord.com/api", "URL"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg", "ws://"),
        ("DISCORD_TOKEN", "two words", "spaces"),
        ("MUSICBRAINZ_API_BASE", "musicbrainz.org/ws/2", "URL"),
        ("WIKIDATA_API_BASE", "ftp://wikidata.org", "URL"),
        ("ONLINE_LOOKUPS", "sometimes", "true or false"),
        ("MUSICBRAINZ_CONTACT", "me (at) example.org", "without brackets"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={name: value}, env_file=None)
    assert name in str(caught.value)
    assert message in str(caught.value)


def test_poll_seconds_accepts_one() -> None:
    assert load_settings(env={"FEED_POLL_SECONDS": "1"}, env_file=None).feed_poll_seconds == 1


def test_retry_seconds_accepts_a_fraction() -> None:
    settings = load_settings(env={"DISCORD_RETRY_SECONDS": " 0.25 "}, env_file=None)
    assert settings.discord_retry_seconds == 0.25


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nLOG_LEVEL=debug\nDEV_GUILD_ID=42\n")
    settings = load_settings(env={"LOG_LEVEL": "WARNING"}, env_file=env_file)
    assert settings.discord_token == "from-file"
    assert settings.dev_guild_id == 42
    assert settings.log_level == "WARNING"


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli_in_process("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_value_exits_2_naming_it(tmp_path: Path) -> None:
    result = run_cli_in_process(
        "run", env={"DISCORD_TOKEN": "t", "FEED_POLL_SECONDS": "-5"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "linernotes: FEED_POLL_SECONDS must be at least 1 (got -5)"
    ]


def test_dotenv_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=nonsense\n")
    result = run_cli_in_process("db", "migrate", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help(tmp_path: Path) -> None:
    result = run_cli_in_process("--version", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("linernotes ")
    for args in (["run", "--help"], ["sync", "--help"], ["db", "backup", "--help"]):
        helped = run_cli_in_process(*args, env={}, cwd=tmp_path)
        assert helped.returncode == 0
        assert "usage: linernotes" in helped.stdout


def test_contact_and_metrics_address() -> None:
    settings = load_settings(
        env={"MUSICBRAINZ_CONTACT": " ops@example.org ", "METRICS_ADDR": ":9108"}, env_file=None
    )
    assert settings.musicbrainz_contact == "ops@example.org"
    assert settings.metrics_addr == ("0.0.0.0", 9108)
    assert load_settings(env={}, env_file=None).metrics_addr is None
    with pytest.raises(ConfigError, match="METRICS_ADDR must be HOST:PORT"):
        load_settings(env={"METRICS_ADDR": "localhost"}, env_file=None)


def test_user_agent_names_the_operator_contact() -> None:

    assert user_agent("ops@example.org") == f"LinerNotes/{__version__} ( ops@example.org )"
    assert user_agent(None) == f"LinerNotes/{__version__} ( no contact configured )"


def test_shards_default_to_discords_recommendation() -> None:
    settings = load_settings(env={}, env_file=None)
    assert settings.shard_count is None
    assert settings.shard_ids is None


def test_shard_ids_are_read_sorted() -> None:
    settings = load_settings(env={"SHARD_COUNT": "4", "SHARD_IDS": " 3, 1 "}, env_file=None)
    assert settings.shard_count == 4
    assert settings.shard_ids == (1, 3)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be at least 1 (got 0)"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT must be a whole number (got 'two')"),
        (
            {"SHARD_IDS": "0"},
            "SHARD_IDS needs SHARD_COUNT (the total number of shards over every process)",
        ),
        (
            {"SHARD_COUNT": "2", "SHARD_IDS": "2"},
            "SHARD_IDS has 2, but with SHARD_COUNT=2 shard ids run from 0 to 1",
        ),
        (
            {"SHARD_COUNT": "2", "SHARD_IDS": "0,,1"},
            "SHARD_IDS must be shard numbers separated by commas, like 0,1 (got '0,,1')",
        ),
        (
            {"SHARD_COUNT": "2", "SHARD_IDS": "-1"},
            "SHARD_IDS must be shard numbers separated by commas, like 0,1 (got '-1')",
        ),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,3,1"}, "SHARD_IDS lists 1 more than once"),
    ],
)
def test_bad_shard_settings_are_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=env, env_file=None)
    assert str(caught.value) == message


def test_shard_id_out_of_range_exits_2(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": "t", "SHARD_COUNT": "2", "SHARD_IDS": "0,2"}
    result = run_cli_in_process("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "linernotes: SHARD_IDS has 2, but with SHARD_COUNT=2 shard ids run from 0 to 1"
    ]


def test_an_empty_database_path_means_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # .env.example ships `DATABASE_PATH=` empty: the same as unset.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = load_settings(env={"DATABASE_PATH": "  "}, env_file=None)
    assert settings.database_path == tmp_path / "xdg" / "linernotes" / "linernotes.db"


def test_a_database_at_the_old_default_is_still_used_and_the_log_says_how_to_move_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "linernotes.db").write_bytes(b"")
    settings = load_settings(env={}, env_file=None)
    assert settings.database_path == Path("data/linernotes.db")
    assert settings.database_origin == "old default"
    notice = settings.database_notice()
    assert notice is not None
    assert str(tmp_path / "data" / "linernotes.db") in notice
    assert f"mv data/linernotes.db* {tmp_path / 'xdg' / 'linernotes'}/" in notice
    # Set explicitly, DATABASE_PATH wins and nothing is said.
    chosen = load_settings(env={"DATABASE_PATH": "elsewhere.db"}, env_file=None)
    assert chosen.database_path == Path("elsewhere.db")
    assert chosen.database_notice() is None


def test_cli_run_anywhere_leaves_no_stray_database(tmp_path: Path) -> None:
    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "ONLINE_LOOKUPS": "false"}
    result = run_cli_in_process("db", "migrate", env=env, cwd=anywhere)
    assert result.returncode == 0, result.stderr
    assert list(anywhere.iterdir()) == []
    assert (tmp_path / "xdg" / "linernotes" / "linernotes.db").is_file()
    assert result.stderr == ""  # quiet: no INFO lines about migrations


def test_cli_says_where_an_old_default_database_is(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "DATABASE_PATH": "data/linernotes.db"}
    assert run_cli_in_process("db", "migrate", env=env, cwd=tmp_path).returncode == 0
    result = run_cli_in_process(
        "db", "migrate", env={"XDG_DATA_HOME": str(tmp_path / "xdg")}, cwd=tmp_path
    )
    assert result.returncode == 0
    assert "data/linernotes.db: schema version" in result.stdout
    assert "the old default location" in result.stderr and "mv data/linernotes.db*" in result.stderr
