"""The tutoring loop without a browser: ask, stream, stop, check, reveal, conversations.

Storage per reply: one write before the model sees the question (the question, and its new
session if any: ``Store.ask``), a checkpoint every ``CHECKPOINT_INTERVAL_S`` while it streams
(a crash loses at most that much), and the reply once it ends (complete, cut, stopped or
failed) — never per token; the student's ``last_active_at`` at most every 5 minutes. Reading
history or a conversation never writes. UI updates are throttled to one per
``UPDATE_INTERVAL_S`` so long replies do not re-render KaTeX on every token.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from storage import (
    MessageRecord,
    MessageStatus,
    SchoolStore,
    SessionDetail,
    SessionMode,
    SessionRecord,
    StorageError,
    Store,
    StudentRecord,
    valid_token,
)
from storage.school import ClassFull, normalise_code
from tutor.backends import Backend, Generation, GenerationError, GenerationSettings, ModelMessage
from tutor.checking import MAX_CHARS as MAX_ANSWER_CHARS
from tutor.checking import Verdict, parse_preview, verdict_line
from tutor.checking.cross_check import cas_answer, check_against, cross_check, reference_for
from tutor.generation.admission import Admission, Ticket
from tutor.generation.rate_limit import AskLimits, ConcurrencyLimits, JoinLimits
from tutor.generation.reply_parser import ParsedReply, ReplyParser
from tutor.prompts import load_prompt
from tutor.teaching import flags
from tutor.teaching.conversation import REFUSED, Conversation, ReplyView, conversation_of
from tutor.teaching.modes import GUIDED, REVEAL, ScreenedText, conversation, guided_messages
from tutor.teaching.safety import screen_question

log = logging.getLogger(__name__)

PROMPT = load_prompt()
SYSTEM_PROMPT = PROMPT.system
UPDATE_INTERVAL_S = 0.05
SAVE_FAILED = (
    "The tutor could not save your question right now (its database is busy or full), so it was not sent. "
    "Please try again in a moment."
)
BAD_IDENTITY = "This page has lost its identity. Please reload it."
JOIN_LOCKED = (
    "Too many wrong class codes were typed from your network, so joining a class is paused here for about "
    "{minutes} min. Check the code with your teacher and try again later."
)
SOLUTIONS_OFF = "Your teacher has chosen hints rather than worked solutions in this class, so here is a hint."
CHECKPOINT_INTERVAL_S = 2.0
"""A reply in progress is saved this often, so a crash loses at most ~2 s of it."""
HISTORY_TURNS = 4
REOPEN_BADGES = 8
"""Badges worked out again when a conversation is reopened (each a bounded cross-check; most
follow-ups are declined by the question reader at once, with no sympy)."""
"""Earlier questions of the same session sent back to the model as context."""


def solution_messages(
    question: str, turns: Sequence[tuple[str, str]] = (), worked_example: bool = True
) -> list[ModelMessage]:
    """What the model is sent for ``question`` in Show solution mode, after earlier ``turns``
    (question, solution) of the session."""
    example = [(PROMPT.example_question, PROMPT.example_answer)] if worked_example else []
    return conversation(SYSTEM_PROMPT, [*example, *turns], question)


class _StoppedEarly(Exception):
    """Stop pressed while the answer was being worked out privately (guided modes)."""


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict | None
    message: str
    """One line for the student; contains ``Correct`` or ``Not quite`` when a verdict was reached."""


class TutorService:
    def __init__(
        self,
        backend: Backend,
        store: Store,
        generation: GenerationSettings,
        max_question_chars: int = 4000,
        admission: Admission | None = None,
        worked_example: bool = True,
        school: SchoolStore | None = None,
    ):
        self.backend = backend
        self.worked_example = worked_example
        self.store = store
        self.generation = generation
        self.max_question_chars = max_question_chars
        # A bounded queue in front of the model: past it a student is told the tutor is busy.
        self.admission = admission or Admission(slots=backend.max_concurrency)
        self._active: dict[int, Generation] = {}
        self._waiting: dict[str, Ticket] = {}
        self._lock = threading.Lock()
        self.school = school or SchoolStore(store)
        self.limits = AskLimits()
        self.concurrency = ConcurrencyLimits()
        """Replies in progress per identity and per address's anonymous visitors (issue 11 row 8)."""
        self.join_limits = JoinLimits()

    # the engine, as the web server reports it ---------------------------------
    def ready(self) -> bool:
        """Is the model loaded (``/health``)?"""
        return self.backend.ready()

    @property
    def model_id(self) -> str:
        return self.backend.model_id

    @property
    def capacity(self) -> int:
        """Replies running plus waiting that the tutor accepts before "busy" (the web server's
        queue and threads are sized from it)."""
        return self.admission.capacity

    # identity and history -------------------------------------------------
    def student(self, token: str) -> StudentRecord:
        """Get or create this browser's student: only for real use (asking, checking, joining)."""
        return self.store.student_for_token(token)

    def known_student(self, token: str) -> StudentRecord | None:
        """This browser's student if it has done anything real yet; a read that never writes.

        Hazard (issue 11 row 10): reads used to create the row, so any fresh token (a page
        load, a forged history call) added a student; now nothing is created or written here.
        """
        return self.store.find_student(token)

    def history(self, token: str) -> list[SessionRecord]:
        """The student's tutor conversations, most recent first (practice sessions left out)."""
        found = self.known_student(token)
        return [s for s in self.store.sessions_for_student(found.id) if s.mode != SessionMode.PRACTICE] if found else []

    def session(self, token: str, session_id: int) -> SessionDetail | None:
        found = self.known_student(token)
        return self.store.session_detail(session_id=session_id, student_id=found.id) if found else None

    # asking -----------------------------------------------------------------
    def refusal(self, question: str) -> str | None:
        if not question.strip():
            return "Please type a question first."
        if len(question) > self.max_question_chars:
            return (
                f"That question is too long ({len(question):,} characters); "
                f"the limit is {self.max_question_chars:,}. Please shorten it."
            )
        return None

    def ask(
        self,
        token: str,
        question: str,
        session_id: int | None = None,
        mode: str = SessionMode.SOLUTION,
        address: str | None = None,
        *,
        revealing: bool = False,
    ) -> Iterator[ReplyView]:
        """Stream the reply to ``question``; the last view has the final status.

        In a class whose teacher forbids worked solutions, Show solution becomes Hint (with a
        notice), so the class rule cannot be bypassed by switching mode; ``revealing`` is set
        only by ``reveal``, which has applied the rule already (a solved question may be shown).

        Past the admission queue the only view is ``refused`` with a "busy, about N s" notice;
        a queued student sees ``generating`` views with a waiting notice until a seat frees.
        A student (or an address) asking faster than ``AskLimits`` allows is refused too, and so
        is one with ``PER_IDENTITY_ASKS`` replies in progress, or an anonymous visitor whose
        address has ``PER_ADDRESS_ANONYMOUS_ASKS`` (tutor/generation/rate_limit.py); class members are
        bounded per identity only and may use the seats kept for classes (tutor/generation/admission.py).
        """
        if not valid_token(token):  # before any limit is charged: a forged request costs the school nothing
            yield ReplyView(status=REFUSED, notice=BAD_IDENTITY)
            return
        notice = self.refusal(question)
        if notice:
            yield ReplyView(status=REFUSED, notice=notice)
            return
        member = self.in_class(token)
        notice = self.limits.refusal(token, address, member) or self.concurrency.take(token, address, member)
        if notice:
            yield ReplyView(status=REFUSED, notice=notice)
            return
        try:
            yield from self._admitted(token, question, session_id, mode, revealing, member)
        finally:  # also when the page went away (GeneratorExit) before the reply began
            self.concurrency.give_back(token, address, member)

    def in_class(self, token: str) -> bool:
        """Is this browser's student in a class? Such students may use the seats kept for
        classes and are not counted in their address's anonymous share (issue 11 row 8).
        A pure read; on a storage error the student counts as anonymous."""
        try:
            found = self.store.find_student(token)
            return found is not None and self.school.class_of_student(found.id) is not None
        except StorageError:
            log.exception("could not look up a student's class")
            return False

    def _admitted(
        self, token: str, question: str, session_id: int | None, mode: str, revealing: bool, member: bool
    ) -> Iterator[ReplyView]:
        ticket = self.admission.enter(member=member)
        if ticket is None:
            yield ReplyView(status=REFUSED, notice=self.admission.busy_notice())
            return
        try:
            if not ticket.admitted:
                with self._lock:
                    self._waiting[token] = ticket
                while not ticket.wait(1.0):
                    if ticket.released:  # Stop pressed while waiting
                        yield ReplyView(status=MessageStatus.STOPPED, notice="Stopped before the tutor started.")
                        return
                    yield ReplyView(notice=self.admission.waiting_notice(ticket))
            yield from self._ask(token, question, session_id, mode, revealing)
        finally:
            with self._lock:
                if self._waiting.get(token) is ticket:
                    del self._waiting[token]
            ticket.release()

    def _ask(
        self, token: str, question: str, session_id: int | None, mode: str, revealing: bool = False
    ) -> Iterator[ReplyView]:
        question = question.strip()
        rule_notice = None
        try:
            student = self.student(token)
            if mode == SessionMode.SOLUTION and not revealing and not self._solutions_allowed(student.id):
                mode, rule_notice = SessionMode.HINT, SOLUTIONS_OFF
            detail = self.store.session_detail(session_id=session_id, student_id=student.id) if session_id else None
            if detail is not None and detail.session.mode != mode and not revealing:
                detail = None  # a new mode starts a new session
            asked = REVEAL if revealing and detail is not None and detail.messages else question
            session, message = self.store.ask(
                student_id=student.id,
                session_id=detail.session.id if detail else None,
                question=asked,
                model_id=self.backend.model_id,
                settings=self.generation.as_dict(),
                title=question[:80],
                mode=mode,
            )
            detail = detail or SessionDetail(session, [])
        except StorageError:
            log.exception("could not store a question")
            yield ReplyView(status=REFUSED, notice=SAVE_FAILED)
            return
        view = ReplyView(message_id=message.id, session_id=detail.session.id, mode=mode, notice=rule_notice)
        screened = screen_question(question)
        if screened is not None:  # never sent to the model; the teacher is told
            answer_instead, hit = screened
            self._store_reply(
                message.id,
                reasoning="",
                solution=answer_instead,
                final_answer=None,
                status=MessageStatus.COMPLETE,
                error=None,
            )
            self._raise_flags(message.id, lambda: [hit])
            yield replace(view, solution=answer_instead, status=MessageStatus.COMPLETE)
            return
        guided = mode in GUIDED
        reply, status, error = ReplyParser(), MessageStatus.FAILED, None
        hidden, reference = "", None  # guided modes: the privately worked solution and its answer
        screen: ScreenedText | None = None
        generation: Generation | None = None
        try:
            yield view
            if guided:
                reference, hidden = yield from self._hidden_answer(student.id, detail, question, view)
                turns = [(m.question, m.solution) for m, _ in detail.messages[-HISTORY_TURNS:] if m.solution]
                messages = guided_messages(mode, turns, question)
                screen = ScreenedText(reference, messages)
            else:
                messages = self._messages(question, None if revealing else detail)
            generation = self._start(student.id, messages)
            last = saved = time.monotonic()
            for chunk in generation:
                reply.feed(chunk)
                now = time.monotonic()
                if now - saved >= CHECKPOINT_INTERVAL_S:
                    saved = now
                    self._checkpoint(message.id, reply.parsed, hidden, screen)
                if now - last >= UPDATE_INTERVAL_S:
                    last = now
                    if screen is None:
                        yield self._view(view, reply.parsed)
                        continue
                    parsed = reply.parsed
                    yield replace(view, solution=screen.update(parsed.solution), thinking=parsed.thinking)
                    if screen.leaked:
                        generation.cancel()  # the rest would only be cut too
                        break
            status = (
                MessageStatus.STOPPED
                if generation.cancelled.is_set() and not (screen and screen.leaked)
                else MessageStatus.CUT
                if generation.cut_short
                else MessageStatus.COMPLETE
            )
        except _StoppedEarly:
            status = MessageStatus.STOPPED
        except GenerationError as exc:
            error = str(exc)
        except Exception as exc:
            log.exception("generation failed")
            error = f"The tutor hit a problem ({type(exc).__name__})."
        except GeneratorExit:
            status = MessageStatus.STOPPED  # the page went away: keep what we have
            raise
        finally:
            if generation is not None:
                generation.close()
                self._finished(student.id, generation)
            parsed = reply.parsed
            if screen is not None:  # guided: the screened hint; the hidden solution and answer are kept apart
                solution, answer = screen.update(parsed.solution, finished=True), reference
                stored = self._store_reply(
                    message.id,
                    status=status,
                    error=error,
                    reasoning="",
                    solution=solution,
                    final_answer=None,
                    hidden_solution=hidden,
                    reference_answer=reference,
                )
            else:
                solution, answer = parsed.solution, parsed.final_answer
                stored = self._store_reply(
                    message.id,
                    status=status,
                    error=error,
                    reasoning=parsed.reasoning,
                    solution=solution,
                    final_answer=answer,
                )
            if not stored:
                error = error or "Your reply could not be saved (the database is busy or full)."
            self._raise_flags(message.id, lambda: flags.reply_flags(question, solution, answer, status))
        notice = f"{error} Your question is saved; please try again." if error else rule_notice
        if screen is not None:
            yield replace(view, solution=solution, status=status, notice=notice)
            return
        final = replace(self._view(view, parsed), status=status, thinking=False, notice=notice)
        if status == MessageStatus.COMPLETE:  # every Show-solution turn: a follow-up may be a new question
            final = replace(final, cas_note=self._cross_check(message.id, question, parsed.final_answer))
        yield final

    def _store_reply(self, message_id: int, **record) -> bool:
        try:
            self.store.finish_reply(message_id=message_id, **record)
            return True
        except StorageError:  # the question and the last checkpoint stay; restart marks it interrupted
            log.exception("could not store reply %s", message_id)
            return False

    def _start(self, student_id: int, messages: list[ModelMessage]) -> Generation:
        generation = self.backend.stream(messages, self.generation)
        with self._lock:
            previous = self._active.pop(student_id, None)
            self._active[student_id] = generation
        if previous:
            previous.cancel()
        return generation

    def _finished(self, student_id: int, generation: Generation) -> None:
        with self._lock:
            if self._active.get(student_id) is generation:
                del self._active[student_id]

    def _hidden_answer(self, student_id: int, detail: SessionDetail, question: str, view: ReplyView):
        """The answer hints are screened against: computer algebra's where it settles the
        question, else the model's own, worked out privately (never shown to the student).
        Later turns of a guided session reuse the first turn's. Returns (answer, solution)."""
        if detail.messages:
            return detail.messages[0][0].reference_answer, ""
        cas = cas_answer(question)
        if cas is not None:
            return cas.answer_text, ""
        yield replace(view, notice="Working the problem out privately first, so that no hint gives the answer away…")
        reply = ReplyParser()
        generation = self._start(student_id, self._messages(question))
        try:
            for chunk in generation:
                reply.feed(chunk)
            if generation.cancelled.is_set():  # before close(), which cancels too
                raise _StoppedEarly
        finally:
            generation.close()
            self._finished(student_id, generation)
        parsed = reply.parsed
        return parsed.final_answer, parsed.solution

    def _cross_check(self, message_id: int, question: str, final_answer: str | None) -> str | None:
        """ "Verified by computer algebra", or a warning with its result (flagged for the teacher)."""
        try:
            result = cross_check(question, final_answer)
        except Exception:
            log.exception("cross-check failed")
            return None
        if result is None:
            return None
        if result.status == "differs":
            self._raise_flags(
                message_id,
                lambda: [
                    flags.Hit(
                        "cas_disagrees",
                        f"computer algebra gets {result.cas_answer_latex}; the tutor said {final_answer}",
                    )
                ],
            )
        return result.message

    def _checkpoint(
        self, message_id: int, parsed: ParsedReply, hidden: str = "", screen: ScreenedText | None = None
    ) -> None:
        try:
            if screen is not None:
                self.store.save_progress(
                    message_id=message_id, reasoning="", solution=screen.visible, hidden_solution=hidden
                )
            else:
                self.store.save_progress(message_id=message_id, reasoning=parsed.reasoning, solution=parsed.solution)
        except StorageError:
            log.warning("checkpoint of message %s skipped: database busy", message_id)

    def reveal(self, token: str, session_id: int | None, address: str | None = None) -> Iterator[ReplyView]:
        """The worked solution of a guided session, when the student asks for it, as a new turn
        of the same conversation.

        Allowed unless the student's class forbids it (a teacher setting); a student who has
        already checked a correct answer may always see it. Costs no model call where the
        guided mode worked the solution out privately (kept in the first turn's ``hidden_solution``)
        or an earlier Reveal wrote it; only where computer algebra settled the question (so
        nothing was worked out) is the solution generated, once.
        """
        detail = self.session(token, session_id) if session_id else None
        if detail is None or not detail.messages or detail.session.mode not in GUIDED:
            yield ReplyView(status=REFUSED, notice="Ask a question in Hint or Coach me mode first.")
            return
        solved = any(a.correct for _, attempts in detail.messages for a in attempts)
        joined = self.school.class_of_student(detail.session.student_id)
        if joined is not None and not joined.allow_show_solution and not solved:
            yield ReplyView(
                status=REFUSED,
                notice="Your teacher has chosen not to show worked solutions in this class. "
                "Keep going — ask for another hint!",
            )
            return
        first = detail.messages[0][0]
        shown = next(
            (
                m
                for m, _ in detail.messages
                if m.question == REVEAL and m.status == MessageStatus.COMPLETE and m.solution
            ),
            None,
        )
        worked = shown.solution if shown else first.hidden_solution
        if not worked:
            yield from self.ask(token, first.question, detail.session.id, SessionMode.SOLUTION, address, revealing=True)
            return
        answer = shown.final_answer if shown else first.reference_answer
        try:
            message = self.store.add_question(
                session_id=detail.session.id,
                question=REVEAL,
                model_id=self.backend.model_id,
                settings=self.generation.as_dict(),
            )
        except StorageError:
            log.exception("could not store a reveal")
            yield ReplyView(status=REFUSED, notice=SAVE_FAILED)
            return
        self._store_reply(
            message.id, reasoning="", solution=worked, final_answer=answer, status=MessageStatus.COMPLETE, error=None
        )
        yield ReplyView(
            message_id=message.id,
            session_id=detail.session.id,
            solution=worked,
            final_answer=answer,
            status=MessageStatus.COMPLETE,
            cas_note=self._cross_check(message.id, first.question, answer),
        )

    def _solutions_allowed(self, student_id: int) -> bool:
        joined = self.school.class_of_student(student_id)
        return joined is None or joined.allow_show_solution

    def conversation(self, token: str, session_id: int | None = None) -> Conversation | None:
        """A stored conversation (the latest when ``session_id`` is None), as the student saw it.

        The computer-algebra badges of its Show-solution replies are worked out again (they are
        not stored): one bounded cross-check each for the last ``REOPEN_BADGES`` complete replies."""
        if session_id is None:
            listed = self.history(token)
            session_id = listed[0].id if listed else None
        detail = self.session(token, session_id) if session_id else None
        if detail is None or detail.session.mode == SessionMode.PRACTICE or not detail.messages:
            return None
        badges: dict[int, str] = {}
        if detail.session.mode == SessionMode.SOLUTION:
            complete = [m for m, _ in detail.messages if m.status == MessageStatus.COMPLETE]
            for message in complete[-REOPEN_BADGES:]:
                try:
                    result = cross_check(message.question, message.final_answer)
                except Exception:
                    log.exception("cross-check failed")
                    continue
                if result is not None:
                    badges[message.id] = result.message
        return conversation_of(detail, badges)

    def stop(self, token: str) -> bool:
        """Stop this student's running reply; True if one was running."""
        student = self.known_student(token)  # a fresh token has nothing running: no row is created
        with self._lock:
            generation = self._active.get(student.id) if student else None
            waiting = self._waiting.pop(token, None)
        if waiting is not None:
            waiting.release()
            return True
        if generation is None:
            return False
        generation.cancel()
        return True

    def _messages(self, question: str, detail: SessionDetail | None = None) -> list[ModelMessage]:
        turns = [
            (m.question, m.solution) for m, _ in (detail.messages if detail else [])[-HISTORY_TURNS:] if m.solution
        ]
        return solution_messages(question, turns, self.worked_example)

    @staticmethod
    def _view(view: ReplyView, parsed: ParsedReply) -> ReplyView:
        return replace(
            view,
            reasoning=parsed.reasoning,
            solution=parsed.solution,
            thinking=parsed.thinking,
            final_answer=parsed.final_answer,
        )

    # checking ---------------------------------------------------------------
    @staticmethod
    def preview(answer: str) -> str | None:
        """LaTeX of how the answer will be read ("You entered: …"), or None."""
        if not answer.strip() or len(answer) > MAX_ANSWER_CHARS:
            return None
        return parse_preview(answer, timeout=1.0)

    def check(self, token: str, message_id: int | None, answer: str) -> CheckResult:
        if not answer.strip():
            return CheckResult(None, "Type your answer first.")
        if len(answer) > MAX_ANSWER_CHARS:
            return CheckResult(None, f"That answer is too long; the limit is {MAX_ANSWER_CHARS:,} characters.")
        student = self.known_student(token)  # a fresh token has asked nothing: no row is created
        message = (
            self.store.message_for_student(message_id=message_id, student_id=student.id)
            if message_id and student
            else None
        )
        if message is None:
            return CheckResult(None, "Ask a question first; then I can check your answer to it.")
        reference = reference_for(
            message.question, message.checked_against, cross_checked=self._cross_checked(token, message)
        )
        verdict = check_against(answer, reference)
        if verdict is None:
            if message.status == MessageStatus.CUT:
                return CheckResult(
                    None,
                    "The tutor's reply was cut short before its final answer, so there is nothing to check against. "
                    "Try asking again, perhaps a smaller part of the question.",
                )
            return CheckResult(
                None,
                "The tutor gave no final answer to this question, so there is nothing to check against. "
                "Try asking again.",
            )
        if verdict.busy:  # the load's fault, not the student's: not an attempt, no flag
            return CheckResult(None, verdict.feedback)
        self.store.add_attempt(
            message_id=message.id,
            answer=answer,
            status=verdict.status,
            correct=verdict.correct,
            feedback=verdict.feedback,
        )
        self._raise_flags(
            message.id,
            lambda: flags.attempt_flags(
                [(a.status, a.correct) for a in self.school.attempts_for_message(message.id)], answer
            ),
        )
        return CheckResult(verdict, verdict_line(verdict.status, verdict.feedback, reference.note))

    def _cross_checked(self, token: str, message: MessageRecord) -> bool:
        """Is this reply checked against computer algebra too (a complete or cut-short reply in a
        Show-solution session: the question reader declines a follow-up that is not a whole question)?"""
        if message.status not in (MessageStatus.COMPLETE, MessageStatus.CUT):
            return False
        detail = self.session(token, message.session_id)
        return detail is not None and detail.session.mode == SessionMode.SOLUTION

    # classes and flags -------------------------------------------------------
    def join_class(self, token: str, name: str, code: str, address: str | None = None) -> str:
        """Attach this browser's student (and their earlier sessions) to a class; one line for the page.

        Limited by ``self.join_limits`` (`JoinLimits`: 5 joins a minute per identity; 20 wrong
        codes in 10 minutes lock ``address`` for 10 minutes, except for re-sending the code
        of the class the student is already in) and by the class size (`MAX_CLASS_SIZE`).
        A wrong code creates no student row; a right one does (joining is real use).
        """
        name, code = (
            (name or "").strip() if isinstance(name, str) else "",
            (code or "").strip() if isinstance(code, str) else "",
        )
        if not name or not code:
            return "Type your name and the class code your teacher gave you."
        if len(name) > 100 or len(code) > 20:
            return "That name or code is too long."
        if not valid_token(token):
            return BAD_IDENTITY
        wait = self.join_limits.student.hit(token)
        if wait:
            return f"You have tried to join a class too often. Please wait {max(1, round(wait))} s and try again."
        locked = self.join_limits.locked_for(address)
        try:
            if locked and not self._rejoining(token, code):
                return JOIN_LOCKED.format(minutes=max(1, round(locked / 60)))
            if self.school.class_for_code(code) is None:
                self.join_limits.wrong_code(address)
                return "No class has that code. Check it with your teacher."
            joined = self.school.join_class(student_id=self.student(token).id, name=name, code=code)
        except ClassFull as full:
            return f"{full.name} is full ({full.size} students). Please ask your teacher."
        except StorageError:
            log.exception("could not join a class")
            return (
                "The tutor could not save that right now (its database is busy or full). Please try again in a moment."
            )
        if joined is None:  # the code was rotated between the two reads
            self.join_limits.wrong_code(address)
            return "No class has that code. Check it with your teacher."
        return f"You joined {joined.name} as {' '.join(name.split())}."

    def _rejoining(self, token: str, code: str) -> bool:
        """Is this student already in the class that ``code`` opens? (A read; no row is made.)"""
        found = self.known_student(token)
        joined = self.school.class_of_student(found.id) if found else None
        return joined is not None and joined.join_code == normalise_code(code)

    def current_class(self, token: str) -> str | None:
        """The name of the class this browser's student is in, if any."""
        found = self.known_student(token)
        joined = self.school.class_of_student(found.id) if found else None
        return joined.name if joined else None

    def _raise_flags(self, message_id: int, compute) -> None:
        """Flags never get in the student's way: a failure here is logged, not raised."""
        try:
            self.school.raise_flags(message_id=message_id, hits=flags.pairs(compute()))
        except Exception:
            log.exception("could not raise flags for message %s", message_id)
