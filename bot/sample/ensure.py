"""Create the bundled sample database on first use (when no SWOOP_DATABASE_URL is set)."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.config import Settings

log = logging.getLogger(__name__)


def ensure_sample_db(settings: Settings) -> Path | None:
    """Write the sample database into ``SWOOP_HOME`` if it is the data source and missing."""
    if not settings.uses_sample_db:
        return None
    path = settings.sample_db_path
    if not path.exists():
        from bot.sample.generator import generate_sample_db

        log.info("creating the sample database at %s", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        generate_sample_db(path)
    return path
