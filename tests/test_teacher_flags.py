"""Flags (pure screen), their call sites in TutorService, and the review helpers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from storage import AttemptPoint
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from tutor.teaching.flags import attempt_flags, reply_flags, screen_text
from tutor.teaching.review import export_csv, export_json, make_filter, progress, topic_of

TOKEN = "t" * 32


def kinds(hits) -> set[str]:
    return {h.kind for h in hits}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I want to kill myself", {"self_harm"}),
        ("sometimes I think about suicide", {"self_harm"}),
        ("I've been cutting myself", {"self_harm"}),
        ("my (555) 010-4477 and ada@x.io", {"personal_data"}),
        ("Evaluate 0.5 * 0.25 + 3.125", set()),
        ("Compute +3 - (-4) + 12", set()),
        ("I hurt myself yesterday", {"self_harm"}),
        ("my dad hits me when I get it wrong", {"abuse"}),
        ("the kids at school bully me", {"abuse"}),
        ("email me at ada.l@example.co.uk", {"personal_data"}),
        ("call me on 07700 900123", {"personal_data"}),
        ("my number is +44 20 7946 0958", {"personal_data"}),
        ("I live at 221 Baker Street", {"personal_data"}),
        ("my password is hunter2", {"personal_data"}),
        ("Solve 3x^2 + 4x + 5 = 1", set()),
        ("What is 123 456 + 789?", set()),
        ("Compute 1234567 * 89", set()),
        ("Find the area of a triangle with sides 3, 4 and 5", set()),
        ("a die is rolled; the probability of 6 is 1/6", set()),
        ("Differentiate x^3 - 2x + 1", set()),
    ],
)
def test_keyword_screen(text: str, expected: set[str]) -> None:
    assert kinds(screen_text(text)) == expected


def test_reply_flags() -> None:
    assert kinds(reply_flags("2+2?", "4", "4", "complete")) == set()
    assert kinds(reply_flags("2+2?", "partial", None, "stopped")) == {"unfinished"}
    assert kinds(reply_flags("2+2?", "", None, "failed")) == {"unfinished"}
    assert kinds(reply_flags("2+2?", "It is four.", None, "complete")) == {"unconfirmed"}
    hits = reply_flags("I want to die. 2+2?", "Please talk to someone; call me at a@b.org", "4", "complete")
    assert kinds(hits) == {"self_harm", "personal_data"}
    assert any(h.detail.startswith("tutor reply") for h in hits)


def test_attempt_flags() -> None:
    assert attempt_flags([("incorrect", False)] * 2) == []
    assert kinds(attempt_flags([("incorrect", False)] * 3)) == {"many_failed"}
    assert kinds(attempt_flags([("incorrect", False)] * 3 + [("correct", True)])) == set()
    assert kinds(attempt_flags([("unparseable", False)])) == {"unconfirmed"}
    assert kinds(attempt_flags([("correct", True)], answer="x=2, my email is kid@school.org")) == {"personal_data"}


def test_service_raises_flags_when_a_reply_ends_and_when_answers_are_checked(store) -> None:
    service = TutorService(ScriptedBackend(["Add them: ", "\\boxed{4}"]), store, GenerationSettings())
    teacher = service.school.add_teacher(username="ms_lee", password="correct horse battery")
    cls = service.school.create_class(teacher_id=teacher.id, name="Year 9")
    assert service.join_class(TOKEN, "Ada", cls.join_code) == "You joined Year 9 as Ada."
    views = list(service.ask(TOKEN, "My email is ada@example.com. What is 2+2?"))
    message_id = views[-1].message_id
    for answer in ("3", "5", "6"):
        assert service.check(TOKEN, message_id, answer).message.startswith("Not quite")
    listing = service.school.flags_for_class(teacher_id=teacher.id, class_id=cls.id)
    assert {x.flag.kind for x in listing} == {"personal_data", "many_failed"}

    stopped = TutorService(ScriptedBackend(["thinking"], fail_after=0), store, GenerationSettings())
    list(stopped.ask(TOKEN, "What is 3+3?"))
    assert "unfinished" in {x.flag.kind for x in service.school.flags_for_class(teacher_id=teacher.id, class_id=cls.id)}


def test_join_class_messages(store) -> None:
    service = TutorService(ScriptedBackend(["x"]), store, GenerationSettings())
    teacher = service.school.add_teacher(username="ms_lee", password="correct horse battery")
    cls = service.school.create_class(teacher_id=teacher.id, name="Year 9")
    assert "name and the class code" in service.join_class(TOKEN, "", cls.join_code)
    assert "No class has that code" in service.join_class(TOKEN, "Ada", "ZZZZZZ")
    assert "too long" in service.join_class(TOKEN, "A" * 101, cls.join_code)
    assert service.current_class(TOKEN) is None
    service.join_class(TOKEN, "Ada", cls.join_code.lower())
    assert service.current_class(TOKEN) == "Year 9"


def test_topics() -> None:
    assert topic_of("Solve 3x + 5 = 11") == "Equations"
    assert topic_of("Solve x^2 - 5x + 6 = 0") == "Quadratics"
    assert topic_of("Differentiate sin(x)") == "Calculus"
    assert topic_of("What is 3/4 + 1/8?") == "Fractions"
    assert topic_of("What is 15% of 80?") == "Percentages & ratios"
    assert topic_of("Area of a circle with radius 3") == "Geometry"
    assert topic_of("What is 17 * 23?") == "Arithmetic"
    assert topic_of("Tell me a story") == "Other"


def test_filters_from_the_page() -> None:
    f = make_filter(3, "2026-01-05", "2026-01-05", "any", "  circle ")
    assert f.since == datetime(2026, 1, 5, tzinfo=UTC)
    assert f.until == datetime(2026, 1, 6, tzinfo=UTC)  # "to" is inclusive
    assert (f.student_id, f.flag, f.search) == (3, "any", "circle")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        make_filter(since="5/1/2026")
    with pytest.raises(ValueError):
        make_filter(flag="nonsense")


def test_progress_rates_topics_and_most_missed() -> None:
    day1, day2 = datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 6, 9, tzinfo=UTC)
    points = [
        AttemptPoint(1, "Ada", 10, "Solve 3x = 6", False, day1),
        AttemptPoint(1, "Ada", 10, "Solve 3x = 6", True, day1),
        AttemptPoint(2, "Bob", 11, "solve  3x = 6", False, day2),
        AttemptPoint(2, "Bob", 12, "Area of a circle of radius 1", True, day2),
    ]
    p = progress(points)
    assert [(x.day.day, x.attempts, x.correct) for x in p.by_student["Ada"]] == [(5, 2, 1)]
    assert [(x.day.day, x.rate) for x in p.class_daily] == [(5, 0.5), (6, 0.5)]
    assert p.by_topic["Equations"]["Class"] == (3, 1) and p.by_topic["Geometry"]["Bob"] == (1, 1)
    [missed] = p.most_missed
    assert (missed.wrong, missed.attempts, missed.students) == (2, 3, 2)  # same question, two students


EXPORT = {
    "class": {"id": 1, "name": "Year 9", "join_code": "ABC234", "created_at": "2026-01-01T00:00:00+00:00"},
    "exported_at": "2026-01-02T00:00:00+00:00",
    "students": [
        {
            "id": 7,
            "name": '=HYPERLINK("http://evil")',
            "created_at": "",
            "last_active_at": "",
            "sessions": [
                {
                    "id": 3,
                    "title": "t",
                    "mode": "solution",
                    "created_at": "",
                    "updated_at": "",
                    "messages": [
                        {
                            "id": 5,
                            "question": "+1+1",
                            "reasoning": "",
                            "solution": "2",
                            "final_answer": "2",
                            "status": "complete",
                            "error": None,
                            "model_id": "m",
                            "created_at": "2026-01-01",
                            "finished_at": None,
                            "attempts": [
                                {
                                    "id": 1,
                                    "answer": "@SUM(A1)",
                                    "status": "correct",
                                    "correct": True,
                                    "feedback": "ok",
                                    "created_at": "x",
                                },
                                {
                                    "id": 2,
                                    "answer": "-2",
                                    "status": "incorrect",
                                    "correct": False,
                                    "feedback": "no",
                                    "created_at": "y",
                                },
                            ],
                            "flags": [{"kind": "many_failed", "reviewed": True}],
                        },
                    ],
                }
            ],
        }
    ],
}


def test_csv_export_has_a_row_per_attempt_and_defuses_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(export_csv(EXPORT))))
    assert len(rows) == 2
    assert rows[0]["student"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["question"] == "'+1+1" and rows[0]["answer"] == "'@SUM(A1)" and rows[1]["answer"] == "'-2"
    assert rows[0]["verdict"] == "correct" and rows[1]["correct"] == "False"
    assert rows[0]["flags"] == "many_failed (reviewed)"
    assert json.loads(export_json(EXPORT)) == EXPORT


def test_progress_over_more_than_three_weeks_is_counted_per_week() -> None:
    monday = datetime(2026, 1, 5, 9, tzinfo=UTC)
    points = [AttemptPoint(1, "Ada", 1, "2+2", k % 2 == 0, monday + timedelta(days=k)) for k in range(0, 30, 2)]
    weeks = progress(points).class_daily
    assert all(p.day.weekday() == 0 for p in weeks)
    assert sum(p.attempts for p in weeks) == 15 and len(weeks) == 5


def test_storage_lists_the_same_safety_kinds_first() -> None:
    from storage.school import SAFETY_KINDS as listed_first
    from tutor.teaching.flags import SAFETY_KINDS

    assert set(listed_first) == SAFETY_KINDS
