"""Persistence for the tutor. Nothing outside this package talks SQL."""

from storage.db import StorageError, make_engine, upgrade
from storage.enums import GUIDED_MODES, AttemptStatus, MessageStatus, SessionMode
from storage.practice import PracticeStore
from storage.records import (
    AttemptPoint,
    AttemptRecord,
    ClassRecord,
    FlagListing,
    FlagRecord,
    MasteryRecord,
    MessageRecord,
    ReviewFilter,
    SessionDetail,
    SessionRecord,
    SessionSummary,
    StudentRecord,
    StudentSummary,
    TeacherRecord,
    Transcript,
    TranscriptEntry,
)
from storage.school import SchoolStore
from storage.store import Store, valid_token

__all__ = [
    "GUIDED_MODES",
    "AttemptPoint",
    "AttemptRecord",
    "AttemptStatus",
    "ClassRecord",
    "FlagListing",
    "FlagRecord",
    "MasteryRecord",
    "MessageRecord",
    "MessageStatus",
    "PracticeStore",
    "ReviewFilter",
    "SchoolStore",
    "SessionDetail",
    "SessionMode",
    "SessionRecord",
    "SessionSummary",
    "StorageError",
    "Store",
    "StudentRecord",
    "StudentSummary",
    "TeacherRecord",
    "Transcript",
    "TranscriptEntry",
    "make_engine",
    "upgrade",
    "valid_token",
]
