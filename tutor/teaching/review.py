"""The teacher's review of a class, without a browser: filters, progress, exports, deletion.

Every call takes the signed-in teacher's id; the queries in `storage.school` return nothing
outside that teacher's classes. No Gradio here (`ui/teacher.py` adapts this to the page).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from storage import (  # noqa: F401 - the teacher page's types
    AttemptPoint,
    FlagListing,
    ReviewFilter,
    SchoolStore,
    SessionSummary,
    StudentSummary,
    Transcript,
)
from storage.db import private_file, private_folder
from tutor.teaching.flags import KINDS

QUESTION_TOPICS: list[tuple[str, re.Pattern[str]]] = [
    ("Calculus", re.compile(r"derivativ|differentiat|integra|\\int\b|d/dx|\blim(?:it)?\b|tangent line", re.I)),
    (
        "Probability & statistics",
        re.compile(r"probab|\bdice\b|\bdie\b|coin|\bmean\b|median|\bmode\b|average|variance|standard deviation", re.I),
    ),
    (
        "Geometry",
        re.compile(
            r"triangle|circle|angle|\barea\b|perimeter|radius|diameter|volume|polygon|square|rectangle|pythag|hypotenuse",
            re.I,
        ),
    ),
    ("Quadratics", re.compile(r"quadratic|x\s*\^\s*2|x²|\bsquared\b|parabola", re.I)),
    ("Equations", re.compile(r"\bsolve\b|equation|[a-z]\s*=|=\s*[a-z]\b|simultaneous|inequalit", re.I)),
    ("Percentages & ratios", re.compile(r"percent|%|ratio|proportion", re.I)),
    ("Fractions", re.compile(r"fraction|\\frac|\d+\s*/\s*\d+|numerator|denominator", re.I)),
    (
        "Arithmetic",
        re.compile(
            r"^\s*(?:what is|what's|compute|calculate|evaluate|work out)?[\d\s+\-*/×÷().,^=?]*\d[\d\s+\-*/×÷().,^=?]*$",
            re.I,
        ),
    ),
]
OTHER_TOPIC = "Other"
WEEKLY_AFTER_DAYS = 21
"""Progress over a longer range is counted per week rather than per day."""
EXPORT_KEEP = 20
"""Export files kept per class folder; older ones are removed when a new one is written."""
EXPORT_TTL_S = 900
"""An export not downloaded within 15 minutes is deleted at the next export or download.

Exports (issue 11 row 12) live only in ``<data>/exports/teacher-N/class-M/`` (folders 0700,
files 0600), never in Gradio's cache, which any Gradio app of the process serves to anyone
at ``/gradio_api/file=``. `take_export` hands a file to its own teacher once and deletes it;
deleting a student removes the class's exports."""
EXPORT_NAME = re.compile(r"class-(\d{1,12})(?:-student-\d{1,12})?-\d{8}-\d{6}-\d{6}\.(?:csv|json)")
"""What `TeacherReview.export` names a file; anything else is refused by `take_export`."""


@lru_cache(maxsize=4096)
def topic_of(question: str) -> str:
    """A keyword guess at the topic; classes repeat questions, so answers are cached."""
    text = question[:2000]
    for name, pattern in QUESTION_TOPICS:
        if pattern.search(text):
            return name
    return OTHER_TOPIC


def parse_day(text: str | None) -> date | None:
    """``YYYY-MM-DD`` or empty; ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"dates are written YYYY-MM-DD, e.g. {date.today():%Y-%m-%d}; not {text[:20]!r}") from None


def make_filter(
    student_id: int | None = None,
    since: str | None = None,
    until: str | None = None,
    flag: str | None = None,
    search: str | None = None,
) -> ReviewFilter:
    """A `ReviewFilter` from the page's fields (dates in UTC, `until` inclusive)."""
    start, end = parse_day(since), parse_day(until)
    if flag not in (None, "", "any", *KINDS):
        raise ValueError(f"unknown flag kind {flag!r}")
    return ReviewFilter(
        student_id=student_id,
        since=datetime.combine(start, time(), UTC) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
        flag=flag or None,
        search=(search or "").strip()[:200] or None,
    )


@dataclass(frozen=True)
class RatePoint:
    day: date
    attempts: int
    correct: int

    @property
    def rate(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class Missed:
    question: str
    students: int
    attempts: int
    wrong: int


@dataclass(frozen=True)
class Progress:
    by_student: dict[str, list[RatePoint]]
    """Correct rate per day (per week, from Mondays, over more than three weeks), per student, oldest first."""
    class_daily: list[RatePoint]
    by_topic: dict[str, dict[str, tuple[int, int]]]
    """topic -> student label (or "Class") -> (attempts, correct)."""
    most_missed: list[Missed]


def progress(points: list[AttemptPoint], top_missed: int = 10) -> Progress:
    """`points` oldest first, as `SchoolStore.attempt_points` returns them."""
    per_student: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    per_class: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    topics: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    missed: dict[str, dict[str, Any]] = {}
    weekly = bool(points) and (points[-1].created_at - points[0].created_at).days > WEEKLY_AFTER_DAYS
    for p in points:
        day = p.created_at.date()
        if weekly:  # a long range reads better (and draws faster) by the week, Mondays
            day -= timedelta(days=day.weekday())
        for bucket in (per_student[p.student_name][day], per_class[day]):
            bucket[0] += 1
            bucket[1] += int(p.correct)
        topic = topic_of(p.question)
        for who in (p.student_name, "Class"):
            topics[topic][who][0] += 1
            topics[topic][who][1] += int(p.correct)
        key = " ".join(p.question.lower().split())[:300]
        entry = missed.setdefault(
            key, {"question": " ".join(p.question.split()), "students": set(), "attempts": 0, "wrong": 0}
        )
        entry["students"].add(p.student_id)
        entry["attempts"] += 1
        entry["wrong"] += int(not p.correct)
    series = lambda days: [RatePoint(d, n, c) for d, (n, c) in sorted(days.items())]  # noqa: E731
    ranked = sorted(
        (m for m in missed.values() if m["wrong"]), key=lambda m: (-m["wrong"], -len(m["students"]), m["question"])
    )
    return Progress(
        by_student={name: series(days) for name, days in sorted(per_student.items())},
        class_daily=series(per_class),
        by_topic={t: {w: (n, c) for w, (n, c) in v.items()} for t, v in sorted(topics.items())},
        most_missed=[Missed(m["question"], len(m["students"]), m["attempts"], m["wrong"]) for m in ranked[:top_missed]],
    )


# -- export ---------------------------------------------------------------------------------

CSV_COLUMNS = [
    "class",
    "student_id",
    "student",
    "session_id",
    "session_title",
    "message_id",
    "asked_at",
    "question",
    "reply_status",
    "final_answer",
    "solution",
    "reasoning",
    "reference_answer",
    "hidden_solution",
    "attempt_id",
    "answer",
    "verdict",
    "correct",
    "feedback",
    "checked_at",
    "flags",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Untrusted text opened in a spreadsheet: a leading = + - @ would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(data: dict[str, Any]) -> str:
    """One row per answer attempt; a question without attempts gets one row with blanks."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in data["students"]:
        for sess in s["sessions"]:
            for m in sess["messages"]:
                flags = "; ".join(f"{f['kind']}{' (reviewed)' if f['reviewed'] else ''}" for f in m["flags"])
                base = [
                    data["class"]["name"],
                    s["id"],
                    s["name"],
                    sess["id"],
                    sess["title"],
                    m["id"],
                    m["created_at"],
                    m["question"],
                    m["status"],
                    m["final_answer"] or "",
                    m["solution"],
                    m["reasoning"],
                    m.get("reference_answer") or "",
                    m.get("hidden_solution") or "",
                ]
                attempts = m["attempts"] or [None]
                for a in attempts:
                    tail = (
                        [a["id"], a["answer"], a["status"], a["correct"], a["feedback"], a["created_at"]]
                        if a
                        else [""] * 6
                    )
                    writer.writerow([_cell(v) for v in [*base, *tail, flags]])
    return out.getvalue()


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


class TeacherReview:
    """What the teacher page does, as plain calls."""

    def __init__(self, school: SchoolStore, export_dir: Path) -> None:
        self.school = school
        self.export_dir = export_dir

    # the school's queries the teacher page needs (ui/teacher.py never holds the store) ------
    def authenticate(self, username: str, password: str):
        return self.school.authenticate(username=username, password=password)

    def sign_in_valid(self, username: str, issued_at: datetime) -> bool:
        return self.school.sign_in_valid(username=username, issued_at=issued_at)

    def overview(self, teacher_id: int, class_id: int, f: ReviewFilter):
        return self.school.overview(teacher_id=teacher_id, class_id=class_id, f=f)

    def sessions(self, teacher_id: int, class_id: int, f: ReviewFilter):
        return self.school.sessions(teacher_id=teacher_id, class_id=class_id, f=f)

    def flags_for_class(self, teacher_id: int, class_id: int, f: ReviewFilter):
        return self.school.flags_for_class(teacher_id=teacher_id, class_id=class_id, f=f)

    def classes_for_teacher(self, teacher_id: int):
        return self.school.classes_for_teacher(teacher_id)

    def class_for_teacher(self, teacher_id: int, class_id: int):
        return self.school.class_for_teacher(teacher_id=teacher_id, class_id=class_id)

    def class_students(self, teacher_id: int, class_id: int):
        return self.school.class_students(teacher_id=teacher_id, class_id=class_id)

    def create_class(self, teacher_id: int, name: str):
        return self.school.create_class(teacher_id=teacher_id, name=name)

    def transcript(self, teacher_id: int, session_id: int):
        return self.school.transcript(teacher_id=teacher_id, session_id=session_id)

    def review_flag(self, teacher_id: int, flag_id: int, note: str | None):
        return self.school.review_flag(teacher_id=teacher_id, flag_id=flag_id, note=note)

    def rotate_code(self, teacher_id: int, class_id: int):
        return self.school.rotate_code(teacher_id=teacher_id, class_id=class_id)

    def remove_students(self, teacher_id: int, class_id: int, student_ids: list[int]):
        return self.school.remove_students(teacher_id=teacher_id, class_id=class_id, student_ids=student_ids)

    def teacher_id(self, username: str | None) -> int | None:
        teacher = self.school.teacher(username) if username else None
        return teacher.id if teacher else None

    def set_show_solution(self, teacher_id: int, class_id: int, allowed: bool) -> bool:
        """The class setting for guided modes; False unless the class is the teacher's."""
        found = self.school.class_for_teacher(teacher_id=teacher_id, class_id=class_id)
        return found is not None and self.school.set_show_solution(code=found.join_code, allowed=allowed)

    def progress(self, teacher_id: int, class_id: int, f: ReviewFilter) -> Progress:
        return progress(self.school.attempt_points(teacher_id=teacher_id, class_id=class_id, f=f))

    def export(self, teacher_id: int, class_id: int, fmt: str, student_id: int | None = None) -> Path | None:
        """Write the export file and return its path; None unless the class is the teacher's."""
        data = self.school.export(teacher_id=teacher_id, class_id=class_id, student_id=student_id)
        if data is None:
            return None
        if student_id is not None and not data["students"]:
            return None
        private_folder(self.export_dir)
        folder = private_folder(self._class_folder(teacher_id, class_id))
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        who = f"-student-{int(student_id)}" if student_id is not None else ""
        path = folder / f"class-{int(class_id)}{who}-{stamp}.{'csv' if fmt == 'csv' else 'json'}"
        body = export_csv(data) if fmt == "csv" else export_json(data)
        private_file(path).write_text(body, encoding="utf-8")
        self._sweep(folder, keep=path)
        return path

    def take_export(self, teacher_id: int, name: str) -> tuple[str, bytes] | None:
        """The export file ``name`` of this teacher's, read once and deleted: (name, bytes).

        None for a name `export` would not write, a file of another teacher's (it is looked
        for in this teacher's folder only), one already taken, or one past `EXPORT_TTL_S`.
        The whole file is read into memory (a class's export is a few MB at most)."""
        found = EXPORT_NAME.fullmatch(name or "")
        if found is None:
            return None
        folder = self._class_folder(teacher_id, int(found.group(1)))
        self._sweep(folder)
        path = folder / name
        try:
            body = path.read_bytes()
            path.unlink()
        except OSError:
            return None
        return name, body

    @staticmethod
    def _sweep(folder: Path, keep: Path | None = None) -> None:
        """Remove exports past `EXPORT_TTL_S`, and all but the newest `EXPORT_KEEP`."""
        try:
            files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
        except OSError:
            return
        cutoff = datetime.now(UTC).timestamp() - EXPORT_TTL_S
        for i, old in enumerate(files):
            try:
                if old != keep and (i < len(files) - EXPORT_KEEP or old.stat().st_mtime < cutoff):
                    old.unlink(missing_ok=True)
            except OSError:
                pass

    def delete_student(self, teacher_id: int, student_id: int) -> bool:
        """Privacy request: the student's rows everywhere, and their class's export files (which may hold them)."""
        class_id = self.school.delete_student(teacher_id=teacher_id, student_id=student_id)
        if class_id is None:
            return False
        shutil.rmtree(self._class_folder(teacher_id, class_id), ignore_errors=True)
        return True

    def _class_folder(self, teacher_id: int, class_id: int) -> Path:
        return self.export_dir / f"teacher-{int(teacher_id)}" / f"class-{int(class_id)}"
