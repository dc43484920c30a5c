"""The fixed vocabularies stored as text: session modes, message statuses, attempt statuses.

One definition each. They are `StrEnum`s whose values are exactly the strings in the database
and in JSON (a member compares equal to its string, so rows written before these existed, and
``"hint"`` typed in a test, still match). No SQL here: ``ui`` reaches these through ``tutor``.
"""

from __future__ import annotations

from enum import StrEnum


class SessionMode(StrEnum):
    """What kind of session: the values are the strings stored in ``sessions.mode`` (and sent as JSON)."""

    SOLUTION = "solution"
    """Show solution: the model's worked solution and boxed answer."""
    HINT = "hint"
    COACH = "coach"
    """Hint and Coach me (`GUIDED_MODES`): the answer is worked out privately and never shown."""
    PRACTICE = "practice"
    """A generated practice problem: one complete message, no model run."""


GUIDED_MODES = frozenset({SessionMode.HINT, SessionMode.COACH})


class MessageStatus(StrEnum):
    """The values stored in ``messages.status``.

    generating: the reply is streaming (or its process died: start-up turns these into
    interrupted); cut: it stopped at the token limit; stopped: Stop was pressed or the page left.
    """

    GENERATING = "generating"
    COMPLETE = "complete"
    CUT = "cut"
    STOPPED = "stopped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class AttemptStatus(StrEnum):
    """The checker's verdict stored in ``attempts.status``."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    UNPARSEABLE = "unparseable"
    TIMEOUT = "timeout"


SESSION_MODES = tuple(SessionMode)
MESSAGE_STATUSES = tuple(MessageStatus)
REPLY_STATUSES = frozenset({MessageStatus.COMPLETE, MessageStatus.CUT, MessageStatus.STOPPED, MessageStatus.FAILED})
"""How a reply may end (`Store.finish_reply`); ``cut`` keeps its text, as ``stopped`` does."""
GRADED_STATUSES = frozenset({AttemptStatus.CORRECT, AttemptStatus.INCORRECT})
"""Attempts that tell BKT something; an unreadable answer or a time-out neither counts nor
uses up a practice problem's one counted attempt."""
