"""Persistence for the tutor. Nothing outside this package talks SQL."""

from storage.db import StorageError, make_engine, upgrade
from storage.records import (
    AttemptRecord,
    MessageRecord,
    SessionDetail,
    SessionRecord,
    StudentRecord,
)
from storage.store import Store

__all__ = [
    "AttemptRecord",
    "MessageRecord",
    "SessionDetail",
    "SessionRecord",
    "StorageError",
    "Store",
    "StudentRecord",
    "make_engine",
    "upgrade",
]
