"""One meaning per message column: the hidden solution, the reference answer and a practice problem get their own.

Before this revision three columns meant different things by the session's mode
(``sessions.mode``):

* ``reasoning``: the model's thinking (solution); in hint / coach the solution worked out
  privately -> now ``hidden_solution``.
* ``final_answer``: the boxed answer (solution); in hint / coach the answer hints are
  screened against, in practice the problem's reference -> now ``reference_answer``.
* ``generation_settings``: sampling settings; in practice ``{"problem_id", "topic",
  "difficulty"}`` -> now the columns ``problem_id``, ``topic``, ``difficulty`` (and ``{}``).

In a hint / coach session a turn whose question is ``REVEAL_QUESTION`` (the Reveal button)
already held shown meanings (its solution and boxed answer are shown), so it stays as it is.
The data moves in the same transaction as the schema change (`storage.db.schema_change`), on
SQLite and PostgreSQL alike: the guided rows by two ``UPDATE … WHERE`` statements, the practice
rows (whose JSON needs decoding, which differs per database) read and written through
SQLAlchemy's JSON type, one executemany. Upgrading twice is a no-op (Alembic records the
revision); the downgrade moves everything back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GUIDED = ("hint", "coach")
PRACTICE = "practice"
REVEAL_QUESTION = "Show me the solution, please."
"""``tutor.teaching.modes.REVEAL`` as of this revision (a migration must not import the app)."""

sessions = sa.table("sessions", sa.column("id", sa.Integer()), sa.column("mode", sa.String()))
messages = sa.table(
    "messages",
    sa.column("id", sa.Integer()),
    sa.column("session_id", sa.Integer()),
    sa.column("question", sa.Text()),
    sa.column("reasoning", sa.Text()),
    sa.column("final_answer", sa.Text()),
    sa.column("generation_settings", sa.JSON()),
    sa.column("hidden_solution", sa.Text()),
    sa.column("reference_answer", sa.Text()),
    sa.column("problem_id", sa.String()),
    sa.column("topic", sa.String()),
    sa.column("difficulty", sa.Integer()),
)


def _in_modes(*modes: str) -> sa.ColumnElement[bool]:
    return messages.c.session_id.in_(sa.select(sessions.c.id).where(sessions.c.mode.in_(modes)))


def _guided_turns() -> sa.ColumnElement[bool]:
    return sa.and_(_in_modes(*GUIDED), messages.c.question != REVEAL_QUESTION)


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def upgrade() -> None:
    op.add_column("messages", sa.Column("hidden_solution", sa.Text(), server_default="", nullable=False))
    op.add_column("messages", sa.Column("reference_answer", sa.Text(), nullable=True))
    op.add_column("messages", sa.Column("problem_id", sa.String(length=64), nullable=True))
    op.add_column("messages", sa.Column("topic", sa.String(length=32), nullable=True))
    op.add_column("messages", sa.Column("difficulty", sa.Integer(), nullable=True))
    op.create_index("ix_messages_problem_id", "messages", ["problem_id"])

    connection = op.get_bind()
    connection.execute(
        messages.update()
        .where(_guided_turns())
        .values(
            hidden_solution=messages.c.reasoning,
            reasoning="",
            reference_answer=messages.c.final_answer,
            final_answer=None,
        )
    )
    practice = connection.execute(
        sa.select(messages.c.id, messages.c.final_answer, messages.c.generation_settings).where(_in_modes(PRACTICE))
    ).all()
    rows = []
    for message_id, answer, settings in practice:
        settings = settings if isinstance(settings, dict) else {}
        problem = settings.get("problem_id")
        rows.append(
            {
                "key": message_id,
                "reference_answer": answer,
                "final_answer": None,
                "problem_id": str(problem)[:64] if problem is not None else None,
                "topic": str(settings["topic"])[:32] if settings.get("topic") is not None else None,
                "difficulty": _int_or_none(settings.get("difficulty")),
                "generation_settings": {},
            }
        )
    if rows:  # executemany: the SET clause is the keys of each row but "key"
        connection.execute(messages.update().where(messages.c.id == sa.bindparam("key")), rows)


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        messages.update()
        .where(_guided_turns())
        .values(reasoning=messages.c.hidden_solution, final_answer=messages.c.reference_answer)
    )
    practice = connection.execute(
        sa.select(
            messages.c.id, messages.c.reference_answer, messages.c.problem_id, messages.c.topic, messages.c.difficulty
        ).where(_in_modes(PRACTICE))
    ).all()
    rows = [
        {
            "key": message_id,
            "final_answer": answer,
            "generation_settings": {"problem_id": problem, "topic": topic, "difficulty": difficulty},
        }
        for message_id, answer, problem, topic, difficulty in practice
    ]
    if rows:
        connection.execute(messages.update().where(messages.c.id == sa.bindparam("key")), rows)
    op.drop_index("ix_messages_problem_id", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("difficulty")
        batch.drop_column("topic")
        batch.drop_column("problem_id")
        batch.drop_column("reference_answer")
        batch.drop_column("hidden_solution")
