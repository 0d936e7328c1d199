"""Settings: every key documented, invalid values named, .env.example usable as it is."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def example_keys() -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), flags=re.MULTILINE)


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    aliases = {str(field.validation_alias) for field in Settings.model_fields.values()}
    assert set(example_keys()) == aliases


def test_every_key_in_env_example_has_a_comment() -> None:
    lines = EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]+=", line):
            above = next(
                lines[i] for i in range(number - 1, -1, -1) if not re.match("^[A-Z]", lines[i])
            )
            assert above.startswith("#") and len(above) > 3, line


def test_env_example_copied_to_dotenv_gives_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWOOP_HOME")
    shutil.copy(EXAMPLE, tmp_path / ".env")
    settings = load_settings()
    assert settings.database_url is None
    assert settings.uses_sample_db
    assert settings.row_cap == 1000
    assert settings.query_timeout_s == 10
    assert settings.admins == ["terminal:*"]
    assert not settings.slack_configured and not settings.discord_configured
    assert settings.home_dir == Path("~/.swoop").expanduser()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SWOOP_ROW_CAP", "lots"),
        ("SWOOP_ROW_CAP", "0"),
        ("SWOOP_QUERY_TIMEOUT_S", "-1"),
        ("SWOOP_HTTP_PORT", "70000"),
        ("SWOOP_DATABASE_URL", "not a url"),
        ("SWOOP_ADMINS", "slack"),
        ("SWOOP_ADMINS", "irc:bob"),
        ("SWOOP_NOW", "yesterday-ish"),
        ("DISCORD_GUILD_IDS", "12,abc"),
        ("SWOOP_LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_values_fail_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=key):
        load_settings()


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWOOP_DATABASE_URL", "postgresql+asyncpg://u:pw@db/x")
    monkeypatch.setenv("SWOOP_ADMINS", "slack:U1, discord-role:42 ,terminal:ann")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "1,2")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    settings = load_settings()
    assert settings.effective_database_url == "postgresql+asyncpg://u:pw@db/x"
    assert settings.admins == ["slack:U1", "discord-role:42", "terminal:ann"]
    assert settings.discord_guild_ids == [1, 2]
    assert settings.slack_configured
    assert "xoxb-secret" not in repr(settings) and "shh" not in repr(settings)
    assert settings.effective_state_url.endswith("swoop-home/state.db")


def test_bare_names_in_the_environment_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROW_CAP", "3")
    monkeypatch.setenv("NOW", "2020-01-01T00:00")
    settings = load_settings()
    assert settings.row_cap == 1000 and settings.now is None


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWOOP_ROW_CAP", "50")
    assert load_settings(row_cap=7).row_cap == 7
