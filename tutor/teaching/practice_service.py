"""Practice with mastery, and "check my working", without a browser.

A practice problem is generated (``tutor/teaching/practice.py``), stored as a session with mode
"practice" and one complete message (question = the problem, ``reference_answer`` = the reference),
and each checked answer is an attempt on that message, so teachers see practice like any
other work. The first graded answer to each problem updates the student's mastery of its
topic by Bayesian Knowledge Tracing (``tutor/teaching/mastery.py``); later tries on the same problem
are stored but do not move mastery, so retrying until right cannot inflate it.

``check_working`` (``tutor.checking.step_check``) gives the per-line report for the page; ``WorkingChecker`` adds a
per-student limit.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from storage import PracticeStore, SchoolStore, Store
from storage.enums import GRADED_STATUSES
from tutor.checking import MAX_CHARS as MAX_ANSWER_CHARS
from tutor.checking import Verdict, check_answer, verdict_line
from tutor.checking.step_check import WorkingReport, check_working
from tutor.generation.rate_limit import RateLimiter
from tutor.teaching import flags
from tutor.teaching.mastery import BKTParams, choose_next, difficulty_for, update
from tutor.teaching.practice import MAX_SEED, TOPIC_NAMES, TOPICS, Problem, from_id, generate

log = logging.getLogger(__name__)

MODEL_ID = "practice-generator"
NO_PROBLEM = "Get a new problem first; then I can check your answer to it."
PER_MINUTE = 20
"""New problems (each one stored) and working checks (each up to 15 s of the checker) a student may ask
for per minute."""


class TooFast(Exception):
    """Refused: this student asked too often in the last minute; ``str(exc)`` is for the student."""


def _too_fast(limiter: RateLimiter, key: str, what: str) -> None:
    wait = limiter.hit(key)
    if wait:
        raise TooFast(f"You are asking for {what} very fast. Please wait {max(1, round(wait))} s and try again.")


@dataclass(frozen=True)
class PracticeCheck:
    verdict: Verdict | None
    message: str
    """One line for the student; contains ``Correct`` or ``Not quite`` when a verdict was reached."""
    counted: bool = False
    """True when this answer moved the student's mastery (the problem's first graded answer)."""
    p_known: float | None = None
    """The topic's mastery after this answer, when it counted."""


@dataclass(frozen=True)
class MasteryLevel:
    topic: str
    name: str
    p_known: float
    answers: int
    """Counted answers (first answers to practice problems) behind ``p_known``; 0 = the prior."""


class PracticeService:
    def __init__(
        self,
        store: Store,
        params: BKTParams = BKTParams(),
        rng: random.Random | None = None,
        per_minute: int = PER_MINUTE,
        school: SchoolStore | None = None,
    ) -> None:
        self.store = store
        self._limit = RateLimiter(per_minute, 60.0)
        self.params = params
        self.practice_store = PracticeStore(store)
        self.school = school or SchoolStore(store)
        self._rng = rng or random.SystemRandom()

    @staticmethod
    def topics() -> list[tuple[str, str]]:
        """(topic id, display name), in teaching order."""
        return list(TOPICS)

    # mastery ------------------------------------------------------------------
    def levels(self, token: str) -> list[MasteryLevel]:
        """Every topic in teaching order; a topic never answered shows the prior.

        A read: a browser that has not practised yet gets the priors and no student row.
        """
        found = self.store.find_student(token)
        return self._levels(found.id) if found else self._levels(None)

    def _levels(self, student_id: int | None) -> list[MasteryLevel]:
        stored = (
            {m.skill: m for m in self.practice_store.mastery_for_student(student_id)} if student_id is not None else {}
        )
        return [
            MasteryLevel(
                t,
                name,
                stored[t].p_known if t in stored else self.params.p_init,
                stored[t].attempts if t in stored else 0,
            )
            for t, name in TOPICS
        ]

    def mastery(self, token: str) -> dict[str, float]:
        """P(known) per topic id, for every topic (the prior where none answered yet)."""
        return {level.topic: level.p_known for level in self.levels(token)}

    # problems -----------------------------------------------------------------
    def new_problem(self, token: str, topic: str | None = None) -> Problem:
        """A fresh problem in ``topic`` at the difficulty its mastery calls for, stored for this student.

        ``topic=None``: the tutor picks the least-mastered topic (``choose_next``).
        ValueError for an unknown topic; TooFast past ``per_minute`` new problems a minute.
        """
        if topic is not None and topic not in TOPIC_NAMES:
            raise ValueError(f"unknown topic {topic!r}")
        student = self.store.student_for_token(token)
        _too_fast(self._limit, token, "new problems")
        levels = {level.topic: level.p_known for level in self._levels(student.id)}
        if topic is None:
            topic, difficulty = choose_next(levels, self._rng, self.params)
        else:
            difficulty = difficulty_for(levels[topic])
        problem = generate(topic, difficulty, self._rng.randrange(MAX_SEED))
        self.practice_store.add_problem(
            student_id=student.id,
            question=problem.question_markdown,
            title=f"Practice: {problem.question_text}",
            model_id=MODEL_ID,
            reference_answer=problem.reference_latex,
            problem_id=problem.id,
            topic=topic,
            difficulty=difficulty,
        )
        return problem

    def problem(self, token: str, problem_id: str) -> Problem | None:
        """The problem, if it was given to this student (a read: no row for a new browser)."""
        student = self.store.find_student(token)
        if (
            student is None
            or self.practice_store.practice_message(student_id=student.id, problem_id=problem_id) is None
        ):
            return None
        return from_id(problem_id)

    # checking -----------------------------------------------------------------
    def check(self, token: str, problem_id: str | None, answer: str) -> PracticeCheck:
        if not isinstance(answer, str) or not answer.strip():
            return PracticeCheck(None, "Type your answer first.")
        if len(answer) > MAX_ANSWER_CHARS:
            return PracticeCheck(None, f"That answer is too long; the limit is {MAX_ANSWER_CHARS:,} characters.")
        student = self.store.find_student(token)  # a browser with no row was given no problem
        message = (
            self.practice_store.practice_message(student_id=student.id, problem_id=problem_id)
            if problem_id and student
            else None
        )
        if student is None or message is None or not message.reference_answer:
            return PracticeCheck(None, NO_PROBLEM)
        topic = str(problem_id).split(":", 1)[0]
        if topic not in TOPIC_NAMES:
            return PracticeCheck(None, NO_PROBLEM)
        verdict = check_answer(answer=answer, reference=message.reference_answer)
        _, mastery = self.practice_store.record_practice_attempt(
            student_id=student.id,
            message_id=message.id,
            skill=topic,
            answer=answer,
            status=verdict.status,
            correct=verdict.correct,
            feedback=verdict.feedback,
            bkt_update=lambda p, correct: update(p, correct, self.params),
            p_init=self.params.p_init,
        )
        self._raise_flags(message.id, answer)
        text = verdict_line(verdict.status, verdict.feedback)
        if mastery is None and verdict.status in GRADED_STATUSES:
            text += " (Only your first answer to a problem changes your mastery.)"
        return PracticeCheck(verdict, text, mastery is not None, mastery.p_known if mastery else None)

    def _raise_flags(self, message_id: int, answer: str) -> None:
        """As for any attempt (many failed tries, an answer that worries): never in the student's way."""
        try:
            attempts = [(a.status, a.correct) for a in self.school.attempts_for_message(message_id)]
            self.school.raise_flags(message_id=message_id, hits=flags.pairs(flags.attempt_flags(attempts, answer)))
        except Exception:
            log.exception("could not raise flags for practice message %s", message_id)


# -- check my working --------------------------------------------------------------------


class WorkingChecker:
    """``check_working`` with a per-student limit (each check may hold a checker worker for seconds)."""

    def __init__(self, per_minute: int = PER_MINUTE) -> None:
        self._limit = RateLimiter(per_minute, 60.0)
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def check(self, token: str | None, text: str) -> WorkingReport:
        """One check at a time per student (with the pool's priorities, a fair share of the checker)."""
        key = token or ""
        with self._lock:
            if key in self._running:
                return WorkingReport(False, "Your last check is still running; its result will appear in a moment.", [])
            self._running.add(key)
        try:
            try:
                _too_fast(self._limit, key, "checks of your working")
            except TooFast as exc:
                return WorkingReport(False, str(exc), [])
            return check_working(text)
        finally:
            with self._lock:
                self._running.discard(key)
