"""Mastery per skill (= practice topic) by Bayesian Knowledge Tracing, and what to practise next.

BKT (Corbett & Anderson, 1995): the chance the student knows a skill is updated
by Bayes' rule from one answer, allowing for a slip (knows it, answers wrong)
and a guess (does not know it, answers right), and then by the chance of
learning it at this opportunity:

    correct:  post = p(1 - slip) / (p(1 - slip) + (1 - p) guess)
    wrong:    post = p slip / (p slip + (1 - p)(1 - guess))
    next      = post + (1 - post) learn

With the defaults, from p = 0.2 a right answer gives 0.6 and a wrong one 0.1758 (0.02/0.66 = 0.0303,
plus 0.15 of the rest).
Pure functions; the caller stores the numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tutor.teaching.practice import TOPICS

MASTERED = 0.95
"""A skill at or above this is mastered and no longer chosen (until all are)."""
BANDS = ((0.4, 1), (0.7, 2))
"""Mastery below 0.4 gets difficulty 1, below 0.7 difficulty 2, else 3."""


@dataclass(frozen=True)
class BKTParams:
    p_init: float = 0.2
    p_learn: float = 0.15
    p_slip: float = 0.1
    p_guess: float = 0.2


def update(p_known: float, correct: bool, params: BKTParams = BKTParams()) -> float:
    """P(known) after one answer: Bayes' rule on the answer, then the learning transition."""
    p = min(max(p_known, 0.0), 1.0)
    if correct:
        num = p * (1 - params.p_slip)
        den = num + (1 - p) * params.p_guess
    else:
        num = p * params.p_slip
        den = num + (1 - p) * (1 - params.p_guess)
    post = num / den if den > 0 else p
    return post + (1 - post) * params.p_learn


def difficulty_for(p_known: float) -> int:
    for limit, difficulty in BANDS:
        if p_known < limit:
            return difficulty
    return 3


def choose_next(mastery: dict[str, float], rng: random.Random, params: BKTParams = BKTParams()) -> tuple[str, int]:
    """(topic, difficulty): the least-mastered topic not yet mastered; ties broken by ``rng``.

    Topics missing from ``mastery`` count as ``params.p_init``. When every topic is
    mastered, a random topic is chosen for review at difficulty 3.
    """
    levels = {topic: mastery.get(topic, params.p_init) for topic, _ in TOPICS}
    open_topics = {t: p for t, p in levels.items() if p < MASTERED}
    if not open_topics:
        return rng.choice(sorted(levels)), 3
    lowest = min(open_topics.values())
    topic = rng.choice(sorted(t for t, p in open_topics.items() if p == lowest))
    return topic, difficulty_for(lowest)
