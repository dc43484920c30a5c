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

SQLITE_ONLY = {
    "test_pragmas_set_on_every_connection",
    "test_write_retries_while_locked",
    "test_write_gives_up_with_storage_error",
    "test_backup_is_a_consistent_database",
}
NO_DATABASE = {  # checked in Python before any SQL, or about the code itself
    "test_invalid_token_rejected",
    "test_no_storage_module_borrows_another_modules_private_names",
}
GENERIC = [
    fn
    for name, fn in inspect.getmembers(test_storage, inspect.isfunction)
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


def test_the_exclusions_name_real_tests_and_the_engine_is_postgresql(postgres_url: str) -> None:  # noqa: F811
    """Fails when SQLITE_ONLY or NO_DATABASE names a test that tests/test_storage.py no longer
    has (a renamed SQLite-only test would then run here, a stale name hides nothing but misleads),
    or when the engine the tests above get is not PostgreSQL, so that they would prove nothing
    about it: a student written through the Store must be visible on the server itself."""
    defined = {
        name
        for name, fn in inspect.getmembers(test_storage, inspect.isfunction)
        if name.startswith("test_") and fn.__module__ == test_storage.__name__
    }
    assert (SQLITE_ONLY | NO_DATABASE) - defined == set()
    engine = make_engine(postgres_url)
    try:
        assert engine.dialect.name == "postgresql"
        upgrade(engine)
        student = Store(engine).student_for_token("p" * 32)
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT id FROM students WHERE browser_token = %(t)s", {"t": "p" * 32})
            assert found.scalar() == student.id
    finally:
        engine.dispose()
