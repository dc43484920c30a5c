"""ORM rows to the frozen records of `storage.records`: the one copy of each mapping.

Call these inside the transaction that loaded the row (reading an attribute of a row
after its session closed can trigger a lazy load and fail).
"""

from __future__ import annotations

from datetime import datetime

from storage.models import Attempt, Classroom, Flag, Mastery, Message, Student, Teacher, TutoringSession
from storage.records import (
    AttemptRecord,
    ClassRecord,
    FlagRecord,
    MasteryRecord,
    MessageRecord,
    SessionRecord,
    StudentRecord,
    TeacherRecord,
)


def student_record(row: Student) -> StudentRecord:
    return StudentRecord(
        id=row.id,
        browser_token=row.browser_token,
        display_name=row.display_name,
        class_id=row.class_id,
    )


def session_record(row: TutoringSession) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        student_id=row.student_id,
        title=row.title,
        mode=row.mode,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def message_record(row: Message) -> MessageRecord:
    return MessageRecord(
        id=row.id,
        session_id=row.session_id,
        question=row.question,
        reasoning=row.reasoning,
        solution=row.solution,
        final_answer=row.final_answer,
        status=row.status,
        error=row.error,
        model_id=row.model_id,
        created_at=row.created_at,
        finished_at=row.finished_at,
        hidden_solution=row.hidden_solution,
        reference_answer=row.reference_answer,
        problem_id=row.problem_id,
        topic=row.topic,
        difficulty=row.difficulty,
    )


def attempt_record(row: Attempt) -> AttemptRecord:
    return AttemptRecord(
        id=row.id,
        message_id=row.message_id,
        answer=row.answer,
        status=row.status,
        correct=row.correct,
        feedback=row.feedback,
        created_at=row.created_at,
    )


def teacher_record(row: Teacher) -> TeacherRecord:
    return TeacherRecord(id=row.id, username=row.username, created_at=row.created_at)


def class_record(row: Classroom, students: int = 0) -> ClassRecord:
    """``students``: the roster size when the query counted it (0 where it did not)."""
    return ClassRecord(
        row.id, row.teacher_id, row.name, row.join_code, row.created_at, int(students), bool(row.allow_show_solution)
    )


def flag_record(row: Flag) -> FlagRecord:
    return FlagRecord(
        row.id, row.message_id, row.kind, row.detail, row.created_at, bool(row.reviewed), row.reviewed_at, row.note
    )


def mastery_record(row: Mastery) -> MasteryRecord:
    return MasteryRecord(
        student_id=row.student_id,
        skill=row.skill,
        p_known=row.p_known,
        attempts=row.attempts,
        updated_at=row.updated_at,
    )


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text for an export, or None."""
    return None if value is None else value.isoformat()
