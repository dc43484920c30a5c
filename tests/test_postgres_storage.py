"""The Store's own tests (tests/test_storage.py), run again on a real PostgreSQL server.

Every test there that is not about SQLite itself (pragmas, lock retries, the backup API) or
about input checked before any SQL is called here with an engine and a Store on a fresh PostgreSQL database.
"""

from __future__ import annotations

import inspect

import pytest

from storage import Store, make_engine, upgrade
from tests import test_storage
from tests.pg import postgres_server, postgres_url  # noqa: F401 - fixtures

SQLITE_ONLY = {"test_pragmas_set_on_every_connection", "test_write_retries_while_locked", "test_write_gives_up_with_storage_error", "test_backup_is_a_consistent_database"}
NO_DATABASE = {"test_invalid_token_rejected"}  # checked in Python before any SQL
GENERIC = [
    fn for name, fn in inspect.getmembers(test_storage, inspect.isfunction)
    if name.startswith("test_") and name not in SQLITE_ONLY | NO_DATABASE and fn.__module__ == test_storage.__name__
]


@pytest.mark.parametrize("check", GENERIC, ids=[fn.__name__ for fn in GENERIC])
def test_store_on_postgresql(check, postgres_url: str, tmp_path) -> None:  # noqa: F811
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        available = {"engine": engine, "store": Store(engine), "tmp_path": tmp_path}
        params = inspect.signature(check).parameters
        if set(params) - set(available):
            pytest.fail(f"{check.__name__} needs {sorted(set(params) - set(available))}: add it here or to SQLITE_ONLY")
        check(**{name: available[name] for name in params})
    finally:
        engine.dispose()


def test_every_generic_store_test_is_run_here() -> None:
    assert len(GENERIC) >= 10
