"""A stored session as the conversation a student sees: turns of question, reply and checks.

What may be shown is decided here, not in the page: in Hint and Coach me the privately worked
solution and the answer stay hidden (a turn that revealed the solution shows it), and a
practice session is not a conversation at all (it is listed under Practice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from storage import AttemptRecord, MessageRecord, MessageStatus, SessionDetail, SessionMode
from tutor.checking import verdict_line
from tutor.teaching.modes import GUIDED, REVEAL

REFUSED = "refused"
"""A `ReplyView` status that is no `MessageStatus`: refused before anything was stored."""


@dataclass(frozen=True)
class ReplyView:
    """What the student sees of one reply (streaming or stored)."""

    message_id: int | None = None
    session_id: int | None = None
    reasoning: str = ""
    solution: str = ""
    thinking: bool = False
    """The model is still inside its reasoning (the Thinking block is open, with a spinner)."""
    final_answer: str | None = None
    status: str = MessageStatus.GENERATING
    """A `MessageStatus` (generating | complete | cut: stopped at the token limit | stopped | failed |
    interrupted), or `REFUSED`: the question was not taken (nothing stored)."""
    notice: str | None = None
    """A message for the student (refusal, waiting, failure), safe to show."""
    mode: str = SessionMode.SOLUTION
    """A `SessionMode`: solution | hint | coach; guided modes never carry the final answer or the reasoning
    (a reply that reveals a guided session's solution has mode ``solution``)."""
    cas_note: str | None = None
    """The computer-algebra badge: "Verified by computer algebra" or a warning with its result."""


@dataclass(frozen=True)
class Attempt:
    answer: str
    verdict: str
    """The line the student was shown (``verdict_line``)."""


@dataclass(frozen=True)
class Turn:
    question: str
    """As the student sent it; ``NEXT_HINT`` or ``REVEAL`` for those buttons."""
    reply: ReplyView
    attempts: tuple[Attempt, ...] = field(default=())


@dataclass(frozen=True)
class Conversation:
    session_id: int
    mode: str
    title: str
    turns: tuple[Turn, ...]

    @property
    def message_id(self) -> int | None:
        """The reply a typed answer is checked against: the latest."""
        return self.turns[-1].reply.message_id if self.turns else None

    @property
    def guided_open(self) -> bool:
        """Do Next hint / Reveal apply (a guided session whose solution is not revealed yet)?"""
        return self.mode in GUIDED and not any(t.question == REVEAL for t in self.turns)


def _attempt(a: AttemptRecord) -> Attempt:
    return Attempt(a.answer, verdict_line(a.status, a.feedback))


def _reply(message: MessageRecord, mode: str) -> ReplyView:
    revealed = mode in GUIDED and message.question == REVEAL
    shown_mode = SessionMode.SOLUTION if revealed else mode
    guided = shown_mode in GUIDED
    return ReplyView(
        message_id=message.id,
        session_id=message.session_id,
        reasoning="" if guided else message.reasoning,
        solution=message.solution,
        final_answer=None if guided else message.final_answer,
        status=MessageStatus.INTERRUPTED if message.status == MessageStatus.GENERATING else message.status,
        mode=shown_mode,
    )


def conversation_of(detail: SessionDetail, badges: Mapping[int, str] | None = None) -> Conversation | None:
    """The conversation of a stored session; None for a practice session or an empty one.

    ``badges``: the computer-algebra note of a Show-solution reply, by message id (recomputed
    by the caller: it is not stored)."""
    if detail.session.mode == SessionMode.PRACTICE or not detail.messages:
        return None
    turns = []
    for message, attempts in detail.messages:
        reply = _reply(message, detail.session.mode)
        if badges and (badge := badges.get(message.id)) and reply.mode == SessionMode.SOLUTION:
            reply = replace(reply, cas_note=badge)
        turns.append(Turn(message.question, reply, tuple(_attempt(a) for a in attempts)))
    return Conversation(detail.session.id, detail.session.mode, detail.session.title, tuple(turns))
