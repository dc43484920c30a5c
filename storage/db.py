"""Engine construction and schema upgrades: the one place that knows SQLite's quirks.

SQLite hazards handled here:
- Python's sqlite3 (legacy transaction control, the default through 3.15) sends
  no BEGIN before SELECTs, so a read-then-write is not one transaction. The
  driver's own BEGIN is switched off and SQLAlchemy emits it instead.
- In WAL mode a deferred transaction that has read and then writes after
  another writer committed fails with "database is locked" at once, without
  waiting out busy_timeout. Writes therefore open with BEGIN IMMEDIATE
  (execution option `BEGIN_IMMEDIATE`), which takes the write lock up front
  and does wait.

File modes (issue 11 row 15): the database holds students' questions and the teachers'
password hashes, so a file URL's folder is created 0700 and the database file 0600 before
SQLite opens it (an empty file is an empty database). SQLite creates the ``-wal``, ``-shm``
and ``-journal`` files later, with the database file's own mode (os_unix.c,
``findCreateFileMode``), so they are 0600 too; files left 0644 by an older version are
chmodded 0600 here. A folder that already exists keeps its mode (it may be shared with
other things); `private_file` and `private_folder` are the helpers the backup and the
exports use as well.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = "storage:migrations"

# Pass to Connection/Session execution options to open a write transaction.
BEGIN_IMMEDIATE = {"tutor_begin_immediate": True}

# busy_timeout is in ms. synchronous=FULL fsyncs the WAL on every commit: a
# finished reply survives a power cut, at ~1 fsync per write.
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=10000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
)


PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_folder(path: Path) -> Path:
    """``path`` and its missing parents created 0700; an existing folder keeps its mode."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        folder.chmod(PRIVATE_FOLDER)  # mkdir's mode is masked by the umask
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty with mode 0600 if missing (``O_EXCL``: no race with another
    creator), or chmodded 0600 if it exists; its folder as in `private_folder`."""
    private_folder(path.parent)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    path.chmod(PRIVATE_FILE)
    return path


class StorageError(RuntimeError):
    """The database could not do what was asked (e.g. stayed locked too long)."""


def make_engine(url: str) -> Engine:
    """Engine for `url`: SQLite gets the pragmas and BEGIN handling above; others pass through."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed)
    database = parsed.database
    if database and database != ":memory:" and not parsed.query.get("uri"):
        private_file(Path(database))
        for suffix in SQLITE_SIDE_FILES:
            side = Path(database + suffix)
            if side.exists():
                side.chmod(PRIVATE_FILE)
    engine = create_engine(parsed, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener emits BEGIN
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("tutor_begin_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration, on `engine`'s own connection."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def schema_change(connection: Connection) -> Iterator[None]:
    """Run a whole migration as one transaction; on SQLite, with foreign keys off.

    Hazard: SQLite batch migrations rebuild a table (copy, DROP, rename). With
    foreign_keys=ON, dropping a parent table first runs its ON DELETE actions,
    so rebuilding `students` would delete every session and message. The pragma
    is ignored inside a transaction, so it is switched around it, and
    `PRAGMA foreign_key_check` must come back empty before the commit.
    """
    if connection.dialect.name != "sqlite":
        with connection.begin():
            yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # an open SQLite connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.execution_options(**BEGIN_IMMEDIATE).begin():
            yield
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StorageError(f"migration left rows with dangling foreign keys: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")
