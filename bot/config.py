"""Configuration from the environment and ``.env`` (pydantic-settings).

The environment names are part of the product (shared/DESIGN.md, "Configuration"); every key is
listed in ``.env.example``. Invalid values fail at start with a message naming the key.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

DEFAULT_HOME = Path("~/.swoop")
SAMPLE_DB_NAME = "sample.db"
STATE_DB_NAME = "state.db"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every setting of Swoop; attribute names are the env names without their prefix."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        validate_default=True,
    )

    home: Path = Field(DEFAULT_HOME, validation_alias="SWOOP_HOME")
    database_url: str | None = Field(None, validation_alias="SWOOP_DATABASE_URL")
    state_url: str | None = Field(None, validation_alias="SWOOP_STATE_URL")
    semantic_model: Path | None = Field(None, validation_alias="SWOOP_SEMANTIC_MODEL")
    row_cap: int = Field(1000, ge=1, le=1_000_000, validation_alias="SWOOP_ROW_CAP")
    query_timeout_s: float = Field(10.0, gt=0, le=3600, validation_alias="SWOOP_QUERY_TIMEOUT_S")
    now: datetime | None = Field(None, validation_alias="SWOOP_NOW")
    http_host: str = Field("127.0.0.1", validation_alias="SWOOP_HTTP_HOST")
    http_port: int = Field(3000, ge=0, le=65535, validation_alias="SWOOP_HTTP_PORT")
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["terminal:*"], validation_alias="SWOOP_ADMINS"
    )
    context_ttl_s: float = Field(86_400.0, gt=0, validation_alias="SWOOP_CONTEXT_TTL_S")
    location_scopes: Annotated[dict[str, tuple[str, ...]], NoDecode] = Field(
        default_factory=dict, validation_alias="SWOOP_LOCATION_SCOPES"
    )
    log_level: str = Field("INFO", validation_alias="SWOOP_LOG_LEVEL")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias="DISCORD_GUILD_IDS"
    )
    discord_api_url: str = Field("https://discord.com/api/v10", validation_alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")

    _split_lists = field_validator("admins", "discord_guild_ids", mode="before")(_split_csv)

    @field_validator("database_url", "state_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL (e.g. sqlite+aiosqlite:///data.db)") from None
        return value.strip()

    @field_validator("admins")
    @classmethod
    def _check_admins(cls, value: list[str]) -> list[str]:
        kinds = {"slack", "slack-group", "discord", "discord-role", "terminal"}
        for entry in value:
            kind, sep, ident = entry.partition(":")
            if not sep or kind not in kinds or not ident:
                raise ValueError(
                    f"entry {entry!r} should be platform:id with platform one of {sorted(kinds)}"
                )
        return value

    @field_validator("location_scopes", mode="before")
    @classmethod
    def _parse_scopes(cls, value: object) -> object:
        """``slack:C123=1+2,discord:998877=3`` → {"slack:C123": ("1", "2"), ...}."""
        if not isinstance(value, str):
            return value
        scopes: dict[str, tuple[str, ...]] = {}
        for entry in filter(None, (part.strip() for part in value.split(","))):
            place, sep, ids = entry.partition("=")
            values = tuple(v.strip() for v in ids.split("+") if v.strip())
            if not sep or ":" not in place or not values:
                raise ValueError(
                    f"entry {entry!r} should be platform:channel=ID+ID (e.g. slack:C0123=1+2)"
                )
            scopes[place.strip()] = values
        return scopes

    def scope_for(self, platform: str, *places: str) -> tuple[int | str, ...] | None:
        """The locations a channel (or Discord guild) may see; None when it is not mapped."""
        for place in places:
            ids = self.location_scopes.get(f"{platform}:{place}")
            if ids is not None:
                return tuple(int(v) if v.isdigit() else v for v in ids)
        return None

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("should be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @cached_property
    def home_dir(self) -> Path:
        """``SWOOP_HOME`` with ``~`` expanded: where the sample database and state live."""
        return self.home.expanduser()

    @property
    def sample_db_path(self) -> Path:
        return self.home_dir / SAMPLE_DB_NAME

    @property
    def uses_sample_db(self) -> bool:
        return self.database_url is None

    @property
    def effective_database_url(self) -> str:
        """The data source: ``SWOOP_DATABASE_URL`` or the bundled sample database."""
        return self.database_url or sqlite_url(self.sample_db_path)

    @property
    def effective_state_url(self) -> str:
        """The state store: ``SWOOP_STATE_URL`` or a SQLite file in ``SWOOP_HOME``."""
        return self.state_url or sqlite_url(self.home_dir / STATE_DB_NAME)

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @property
    def discord_configured(self) -> bool:
        return self.discord_token is not None


def sqlite_url(path: Path) -> str:
    """The async SQLAlchemy URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings (``overrides`` by attribute name win); failures become a ConfigError.

    Fields are only read from their ``SWOOP_*``/platform names, never from bare attribute names,
    so an unrelated ``HOME`` or ``NOW`` in the environment cannot leak in.
    """
    fields = Settings.model_fields
    by_alias = {
        str(fields[name].validation_alias or name): value for name, value in overrides.items()
    }
    try:
        return Settings.model_validate(by_alias)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "settings"
            problems.append(f"{key}: {err['msg']}")
        raise ConfigError("Invalid configuration — " + "; ".join(problems)) from None
