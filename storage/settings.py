"""The storage part of the app's configuration: where the database is (``TUTOR_DATABASE_URL``,
``TUTOR_DATA_DIR``). ``tutor.config.Settings`` extends it with everything else, so there is one
typed place for settings and ``storage`` (its CLI included) never imports ``tutor``."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class StorageSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUTOR_", extra="ignore")

    database_url: str | None = None
    """Any SQLAlchemy URL; None: a SQLite file under ``data_dir``."""
    data_dir: Path = Path("./data")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tutor.db').resolve()}"
