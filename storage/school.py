"""`SchoolStore`: everything behind `/teacher` in one object, built from one part per job.

========================  =================================================
`storage.accounts`        teacher accounts, sign-in, password resets
`storage.classes`         classes and join codes
`storage.roster`          joining a class, the roster, removing students
`storage.flags`           raising, listing and reviewing flags
`storage.review`          the class overview, sessions, transcripts, progress
`storage.export`          a class's data as JSON
`storage.scope`           the access check and filters the reads share
========================  =================================================

`SchoolStore(store)` wraps a `Store` and uses its transactions (retry on SQLite lock, one
short transaction per call). Every read a teacher makes takes the teacher's id and returns
nothing for a class, session, flag or student outside that teacher's classes: the access
check lives in the query, not in the page. The names below stay importable from here.
"""

from __future__ import annotations

from storage.accounts import TeacherAccounts
from storage.classes import CODE_ALPHABET, CODE_LENGTH, MAX_CLASS_NAME, Classes, normalise_code
from storage.export import ClassExport
from storage.flags import FLAG_DETAIL_CHARS, MAX_NOTE_CHARS, SAFETY_KINDS, Flags
from storage.review import ClassReview
from storage.roster import MAX_CLASS_SIZE, MAX_REMOVE_IDS, MAX_STUDENT_NAME, ClassFull, Roster
from storage.scope import MAX_SEARCH_CHARS, student_label

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "FLAG_DETAIL_CHARS",
    "MAX_CLASS_NAME",
    "MAX_CLASS_SIZE",
    "MAX_NOTE_CHARS",
    "MAX_REMOVE_IDS",
    "MAX_SEARCH_CHARS",
    "MAX_STUDENT_NAME",
    "SAFETY_KINDS",
    "ClassFull",
    "SchoolStore",
    "normalise_code",
    "student_label",
]


class SchoolStore(TeacherAccounts, Classes, Roster, Flags, ClassReview, ClassExport):
    """The teacher-facing store: the parts share one `Store` and define no name twice
    (``tests/test_teacher_storage.py`` checks), so which part a method comes from does
    not depend on the order of the bases."""
