"""A realistic class, generated: for the dashboard benchmark and for trying the teacher page.

    python -m storage.seed --students 30 --sessions 200 [--database-url URL] [--teacher NAME]

Rows are inserted in bulk (one transaction per student), not through the Store's one-row
methods, so 30 x 200 sessions take seconds rather than minutes.
"""

from __future__ import annotations

import argparse
import random
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from storage.db import make_engine, upgrade
from storage.enums import AttemptStatus, MessageStatus, SessionMode
from storage.models import Attempt, Flag, Message, Student, TutoringSession
from storage.school import SchoolStore
from storage.store import Store

QUESTIONS = [
    ("Solve 3x + 5 = {a}", "x = {b}"),
    ("Solve x^2 - {a}x + 6 = 0", "x = 2 or x = 3"),
    ("What is {a}% of 80?", "{b}"),
    ("Differentiate x^{a}", "{a}x^{b}"),
    ("Area of a circle of radius {a}", "{a}^2 \\pi"),
    ("What is 3/4 + 1/{a}?", "\\frac{{{b}}}{{8}}"),
    ("What is {a} * 23?", "{b}"),
    ("Probability of rolling a {a} on a die", "\\frac{{1}}{{6}}"),
]
NAMES = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kira",
    "Leo",
    "Maya",
    "Noah",
    "Olive",
    "Priya",
    "Quinn",
    "Ravi",
    "Sofia",
    "Theo",
    "Uma",
    "Vik",
    "Willow",
    "Xander",
    "Yara",
    "Zane",
    "Amir",
    "Bea",
    "Cal",
    "Dina",
]
SOLUTION = (
    "1. Move the constant: $3x = {a}$.\n\n2. Divide: $$x = \\frac{{{a}}}{{3}}$$\n\nSo the answer is \\boxed{{{b}}}."
)


def seed_class(school: SchoolStore, teacher: str, password: str, students: int, sessions: int, seed: int = 1) -> int:
    """Create `teacher` (if needed) with a class of `students` x `sessions`; returns the class id."""
    rng = random.Random(seed)
    account = school.teacher(teacher) or school.add_teacher(username=teacher, password=password)
    cls = school.create_class(teacher_id=account.id, name=f"Benchmark class {rng.randrange(1000)}")
    start = datetime.now(UTC) - timedelta(days=60)
    for n in range(students):

        def work(db: Session, n: int = n) -> None:  # run at once, in this turn of the loop
            student_id = db.execute(
                insert(Student).returning(Student.id),
                [
                    {
                        "browser_token": secrets.token_urlsafe(24),
                        "display_name": f"{NAMES[n % len(NAMES)]} {n // len(NAMES) or ''}".strip(),
                        "class_id": cls.id,
                        "created_at": start,
                        "last_active_at": start + timedelta(days=59),
                    }
                ],
            ).scalar_one()
            planned = []  # (session row, its message rows)
            for s in range(sessions):
                at = start + timedelta(minutes=int(s * 60 * 24 * 59 / sessions) + rng.randrange(60))
                rows: list[dict[str, Any]] = []
                for k in range(rng.choice((1, 1, 2))):
                    q, ans = rng.choice(QUESTIONS)
                    a = rng.randrange(2, 40)
                    question, answer = q.format(a=a), ans.format(a=a, b=a + 1)
                    status: str = rng.choices(
                        [MessageStatus.COMPLETE, MessageStatus.STOPPED, MessageStatus.FAILED], [0.9, 0.07, 0.03]
                    )[0]
                    rows.append(
                        {
                            "question": question,
                            "reasoning": "Let me think. " * 20,
                            "solution": SOLUTION.format(a=a, b=a + 1),
                            "final_answer": answer if status == MessageStatus.COMPLETE else None,
                            "status": status,
                            "error": None,
                            "model_id": "seed",
                            "generation_settings": {},
                            "created_at": at + timedelta(minutes=k),
                            "finished_at": at + timedelta(minutes=k, seconds=20),
                        }
                    )
                session = {
                    "student_id": student_id,
                    "title": rows[0]["question"][:80],
                    "mode": SessionMode.SOLUTION,
                    "created_at": at,
                    "updated_at": rows[-1]["finished_at"],
                }
                planned.append((session, rows))
            session_ids = db.scalars(
                insert(TutoringSession).returning(TutoringSession.id, sort_by_parameter_order=True),
                [p for p, _ in planned],
            ).all()
            message_rows = [{**row, "session_id": sid} for sid, (_, rows) in zip(session_ids, planned) for row in rows]
            messages = db.execute(
                insert(Message).returning(Message.id, Message.created_at, Message.status), message_rows
            ).all()
            attempt_rows, flag_rows = [], []
            skill = rng.uniform(0.3, 0.9)
            for mid, at, status in messages:
                wrong = 0
                for t in range(rng.choice((0, 1, 1, 2, 3))):
                    ok = rng.random() < skill
                    wrong += not ok
                    attempt_rows.append(
                        {
                            "message_id": mid,
                            "answer": str(rng.randrange(50)),
                            "status": AttemptStatus.CORRECT if ok else AttemptStatus.INCORRECT,
                            "correct": ok,
                            "feedback": "",
                            "created_at": at + timedelta(minutes=2 + t),
                        }
                    )
                    if ok:
                        break
                if status != MessageStatus.COMPLETE:
                    flag_rows.append(
                        {
                            "message_id": mid,
                            "kind": "unfinished",
                            "detail": f"the reply was {status}",
                            "created_at": at,
                            "reviewed": rng.random() < 0.5,
                        }
                    )
                if wrong >= 3:
                    flag_rows.append(
                        {
                            "message_id": mid,
                            "kind": "many_failed",
                            "detail": "3 wrong attempts",
                            "created_at": at,
                            "reviewed": False,
                        }
                    )
            if attempt_rows:
                db.execute(insert(Attempt), attempt_rows)
            if flag_rows:
                db.execute(insert(Flag), flag_rows)

        school.transactions.write(work)
    school.transactions.write(lambda db: db.execute(text("ANALYZE")))  # planner statistics, as a database in use has
    return cls.id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m storage.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--teacher", default="demo_teacher")
    parser.add_argument("--password", default="demo password")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args(argv)
    from storage.admin import database_url

    engine = make_engine(database_url(args.database_url))
    upgrade(engine)
    class_id = seed_class(SchoolStore(Store(engine)), args.teacher, args.password, args.students, args.sessions)
    print(f"seeded class {class_id} for {args.teacher}")


if __name__ == "__main__":
    main()
