"""Short transactions with a retry on SQLite's lock: how every store runs its SQL.

`Transactions.read` and `Transactions.write` each open, commit and close one transaction
around a callable, so a store method is safe to call from any thread. Writes open with
``BEGIN IMMEDIATE`` on SQLite (see `storage.db`), so a read-then-write cannot fail
half-way with "database is locked".

Hazard: SQLite's busy_timeout (10 s) already waits inside each statement, but SQLite
reports "locked" without waiting in some cases (a deferred transaction upgraded to a
write); the loop here retries those for up to `LOCK_RETRY_SECONDS`, backing off from
10 ms to 250 ms, then raises `StorageError`. Any other OperationalError (disk full,
read-only file) becomes a `StorageError` at once: the transaction rolled back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import BEGIN_IMMEDIATE, StorageError

T = TypeVar("T")

LOCK_RETRY_SECONDS = 5.0
LOCK_RETRY_FIRST_SLEEP = 0.01
LOCK_RETRY_MAX_SLEEP = 0.25


class Transactions:
    """One engine's short transactions; shared by `Store` and every store built on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``: the few SQLite-only steps (secure delete) ask."""
        return self.engine.dialect.name

    def read(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a plain transaction; on SQLite it takes no write lock."""
        return self._run(work, {})

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        return self._run(work, BEGIN_IMMEDIATE)

    def secure_delete(self, db: Session) -> None:
        """In this SQLite transaction, zero the pages a DELETE frees (no-op elsewhere).

        Pair with `truncate_wal` after the commit: the deleted text then lingers in
        neither the database file nor the WAL (a privacy request).
        """
        if self.dialect == "sqlite":
            db.connection().exec_driver_sql("PRAGMA secure_delete=ON")

    def truncate_wal(self) -> None:
        """Checkpoint SQLite's WAL into the database and empty it (no-op elsewhere)."""
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.rollback()

    def _run(self, work: Callable[[Session], T], options: dict[str, Any]) -> T:
        deadline = time.monotonic() + LOCK_RETRY_SECONDS
        pause = LOCK_RETRY_FIRST_SLEEP
        while True:
            try:
                with self._sessions() as db, db.begin():
                    db.connection(execution_options=options)
                    return work(db)
            except OperationalError as exc:
                if "database is locked" not in str(exc.orig):
                    # disk full, read-only file, I/O error: the transaction rolled back,
                    # nothing stored before is touched; the caller gets one clear error type
                    raise StorageError(f"the database could not be written ({exc.orig})") from exc
                if time.monotonic() + pause > deadline:
                    raise StorageError(
                        f"database stayed locked for over {LOCK_RETRY_SECONDS:.0f} s; "
                        "another process may be holding a long write transaction"
                    ) from exc
                time.sleep(pause)
                pause = min(pause * 2, LOCK_RETRY_MAX_SLEEP)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (its result is a ``CursorResult``; SQLAlchemy types
    ``Session.execute`` as returning the plainer ``Result``)."""
    assert isinstance(result, CursorResult)
    return result.rowcount
