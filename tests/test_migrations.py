"""Migration 0005 on a database written with the schema before it (revision 0004), on SQLite and PostgreSQL.

Before 0005, ``reasoning``, ``final_answer`` and ``generation_settings`` meant different things
by the session's mode; the rows below are what each mode wrote then (tutor/service.py,
tutor/teaching/practice_service.py as of 0004). After the upgrade every value must sit in the
column of its own meaning, the old columns must hold only theirs, a second upgrade must change
nothing, and the downgrade must give back the rows exactly as they were.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from storage import PracticeStore, Store, make_engine, upgrade
from storage.db import MIGRATIONS
from tests.pg import database_url, postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.support import head_revision
from tutor.teaching.modes import REVEAL
from tutor.teaching.practice_service import PracticeService

TOKEN = "migration-student-token-0001"
WHEN = "2026-01-01 00:00:00.000000"
SAMPLING = {"temperature": 0.6, "max_new_tokens": 2048}
PROBLEM = {"problem_id": "linear:1:5", "topic": "linear", "difficulty": 1}

OLD_COLUMNS = ("id", "session_id", "question", "reasoning", "solution", "final_answer", "status", "generation_settings")
NEW_COLUMNS = ("hidden_solution", "reference_answer", "problem_id", "topic", "difficulty")

SESSIONS = {1: "solution", 2: "hint", 3: "coach", 4: "practice"}
OLD_ROWS: list[dict[str, Any]] = [
    # Show solution: the model's thinking and its boxed answer
    {
        "id": 1,
        "session_id": 1,
        "question": "Solve 3x + 5 = 11",
        "reasoning": "Subtract 5, divide by 3.",
        "solution": "x = 2",
        "final_answer": "x = 2",
        "status": "complete",
        "generation_settings": SAMPLING,
    },
    # Hint, first turn: the privately worked solution and the answer hints were screened against
    {
        "id": 2,
        "session_id": 2,
        "question": "3 baskets hold 4 apples each. How many?",
        "reasoning": "3 times 4 is \\boxed{12}.",
        "solution": "Count one basket first.",
        "final_answer": "12",
        "status": "complete",
        "generation_settings": SAMPLING,
    },
    # Hint, a Reveal turn: what it holds is shown to the student, so it keeps its columns
    {
        "id": 3,
        "session_id": 2,
        "question": REVEAL,
        "reasoning": "",
        "solution": "3 times 4 is 12.",
        "final_answer": "12",
        "status": "complete",
        "generation_settings": SAMPLING,
    },
    # Coach me where computer algebra settled the question: no private solution, its answer
    {
        "id": 4,
        "session_id": 3,
        "question": "Solve x + 1 = 4",
        "reasoning": "",
        "solution": "What undoes +1?",
        "final_answer": "3",
        "status": "stopped",
        "generation_settings": SAMPLING,
    },
    # practice: the problem's reference answer and the problem in generation_settings
    {
        "id": 5,
        "session_id": 4,
        "question": "Solve $2x = 1$",
        "reasoning": "",
        "solution": "",
        "final_answer": "\\frac{1}{2}",
        "status": "complete",
        "generation_settings": PROBLEM,
    },
]
EXPECTED: dict[int, dict[str, Any]] = {
    1: {"reasoning": "Subtract 5, divide by 3.", "final_answer": "x = 2", "generation_settings": SAMPLING,
        "hidden_solution": "", "reference_answer": None, "problem_id": None, "topic": None, "difficulty": None},
    2: {"reasoning": "", "final_answer": None, "generation_settings": SAMPLING,
        "hidden_solution": "3 times 4 is \\boxed{12}.", "reference_answer": "12",
        "problem_id": None, "topic": None, "difficulty": None},
    3: {"reasoning": "", "final_answer": "12", "generation_settings": SAMPLING,
        "hidden_solution": "", "reference_answer": None, "problem_id": None, "topic": None, "difficulty": None},
    4: {"reasoning": "", "final_answer": None, "generation_settings": SAMPLING,
        "hidden_solution": "", "reference_answer": "3", "problem_id": None, "topic": None, "difficulty": None},
    5: {"reasoning": "", "final_answer": None, "generation_settings": {},
        "hidden_solution": "", "reference_answer": "\\frac{1}{2}", **PROBLEM},
}  # fmt: skip


def _messages(*columns: str) -> sa.TableClause:
    types: dict[str, Any] = {"id": sa.Integer(), "session_id": sa.Integer(), "difficulty": sa.Integer()}
    types["generation_settings"] = sa.JSON()
    return sa.table("messages", *(sa.column(name, types.get(name, sa.Text())) for name in columns))


def _alembic(engine: sa.Engine, action: str, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)


def _rows(engine: sa.Engine, *columns: str) -> dict[int, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(_messages(*columns)).order_by(sa.text("id"))).mappings().all()
    return {row["id"]: dict(row) for row in rows}


def _write_0004_database(engine: sa.Engine) -> None:
    _alembic(engine, "upgrade", "0004")
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO students (id, browser_token, created_at, last_active_at) VALUES (1, :t, :w, :w)"),
            {"t": TOKEN, "w": WHEN},
        )
        for session_id, mode in SESSIONS.items():
            conn.execute(
                sa.text(
                    "INSERT INTO sessions (id, student_id, title, mode, created_at, updated_at)"
                    " VALUES (:id, 1, :title, :mode, :w, :w)"
                ),
                {"id": session_id, "title": f"a {mode} session", "mode": mode, "w": WHEN},
            )
        conn.execute(
            sa.text(
                "INSERT INTO messages (id, session_id, question, reasoning, solution, final_answer, status,"
                " error, model_id, generation_settings, created_at, finished_at) VALUES (:id, :session_id,"
                " :question, :reasoning, :solution, :final_answer, :status, NULL, 'old-model', :generation_settings,"
                " :w, :w)"
            ).bindparams(sa.bindparam("generation_settings", type_=sa.JSON())),
            [{**row, "w": WHEN} for row in OLD_ROWS],
        )
        conn.execute(
            sa.text(
                "INSERT INTO attempts (message_id, answer, status, correct, feedback, created_at)"
                " VALUES (2, '12', 'correct', :yes, 'Correct', :w)"
            ),
            {"yes": True, "w": WHEN},
        )
        if conn.dialect.name == "postgresql":  # the explicit ids above did not move the sequences
            for table in ("students", "sessions", "messages"):
                conn.execute(sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))


@pytest.fixture
def engine(database_url: str):  # noqa: F811
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_upgrade_moves_each_meaning_into_its_own_column(engine: sa.Engine) -> None:
    _write_0004_database(engine)
    before = _rows(engine, *OLD_COLUMNS)
    assert before == {row["id"]: row for row in OLD_ROWS}  # the 0004 database holds what each mode wrote

    upgrade(engine)
    after = _rows(engine, *OLD_COLUMNS, *NEW_COLUMNS)
    for message_id, expected in EXPECTED.items():
        got = after[message_id]
        assert {k: got[k] for k in expected} == expected, message_id
        assert (got["question"], got["solution"], got["status"]) == (
            before[message_id]["question"],
            before[message_id]["solution"],
            before[message_id]["status"],
        )

    upgrade(engine)  # a second upgrade (every start-up runs one) changes nothing
    assert _rows(engine, *OLD_COLUMNS, *NEW_COLUMNS) == after
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        assert conn.execute(sa.text("SELECT count(*) FROM attempts WHERE message_id = 2")).scalar() == 1


def test_the_app_reads_migrated_rows(engine: sa.Engine) -> None:
    """Practice finds its problem by the new ``problem_id`` column and checks against the moved
    reference; the Hint turn's stored answer is what a typed answer is checked against."""
    _write_0004_database(engine)
    upgrade(engine)
    store = Store(engine)
    found = PracticeStore(store).practice_message(student_id=1, problem_id="linear:1:5")
    assert found is not None and found.id == 5 and found.reference_answer == "\\frac{1}{2}"
    assert PracticeService(store).check(TOKEN, "linear:1:5", "1/2").message.startswith("Correct")
    hint = store.message_for_student(message_id=2, student_id=1)
    assert hint is not None and hint.checked_against == "12" and hint.final_answer is None
    assert "\\boxed{12}" in hint.hidden_solution and hint.reasoning == ""


def test_downgrade_gives_back_the_old_rows_and_upgrading_again_is_the_same(engine: sa.Engine) -> None:
    _write_0004_database(engine)
    upgrade(engine)
    upgraded = _rows(engine, *OLD_COLUMNS, *NEW_COLUMNS)
    _alembic(engine, "downgrade", "0004")
    assert _rows(engine, *OLD_COLUMNS) == {row["id"]: row for row in OLD_ROWS}
    with engine.connect() as conn:
        assert not set(NEW_COLUMNS) & {c["name"] for c in sa.inspect(conn).get_columns("messages")}
    upgrade(engine)
    assert _rows(engine, *OLD_COLUMNS, *NEW_COLUMNS) == upgraded
