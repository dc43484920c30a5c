"""Bayesian Knowledge Tracing: values worked by hand, and the choice of the next problem."""

from __future__ import annotations

import random

import pytest

from tutor.teaching.mastery import MASTERED, BKTParams, choose_next, difficulty_for, update
from tutor.teaching.practice import TOPICS


def test_defaults():
    assert BKTParams() == BKTParams(p_init=0.2, p_learn=0.15, p_slip=0.1, p_guess=0.2)


def test_right_answer_from_the_prior():
    # post = 0.2*0.9 / (0.18 + 0.8*0.2) = 0.18/0.34; next = post + (1 - post)*0.15 = 0.6
    assert update(0.2, True) == pytest.approx(0.6)


def test_wrong_answer_from_the_prior():
    # post = 0.2*0.1 / (0.02 + 0.8*0.8) = 0.02/0.66; next = post + (1 - post)*0.15
    assert update(0.2, False) == pytest.approx(0.02 / 0.66 + (1 - 0.02 / 0.66) * 0.15)
    assert update(0.2, False) == pytest.approx(0.175758, abs=1e-6)


def test_a_second_right_answer():
    # from 0.6: post = 0.54 / (0.54 + 0.4*0.2) = 0.54/0.62; next = post + (1 - post)*0.15
    assert update(0.6, True) == pytest.approx(0.890323, abs=1e-6)


def test_other_parameters():
    params = BKTParams(p_init=0.5, p_learn=0.0, p_slip=0.0, p_guess=0.0)
    assert update(0.5, True, params) == pytest.approx(1.0)
    assert update(0.5, False, params) == pytest.approx(0.0)


def test_update_stays_a_probability_and_moves_the_right_way():
    for p in (0.0, 0.01, 0.3, 0.7, 0.99, 1.0):
        up, down = update(p, True), update(p, False)
        assert 0.0 <= down <= 1.0 and 0.0 <= up <= 1.0
        assert up >= down


def test_difficulty_bands():
    assert [difficulty_for(p) for p in (0.0, 0.39, 0.4, 0.69, 0.7, 0.99)] == [1, 1, 2, 2, 3, 3]


def test_choose_next_picks_the_lowest_unmastered_topic():
    mastery = {topic: 0.9 for topic, _ in TOPICS}
    mastery["systems"] = 0.5
    assert choose_next(mastery, random.Random(1)) == ("systems", 2)


def test_missing_topics_count_as_the_prior():
    mastery = {topic: 0.8 for topic, _ in TOPICS[1:]}
    assert choose_next(mastery, random.Random(0)) == (TOPICS[0][0], 1)


def test_mastered_topics_are_not_chosen():
    mastery = {topic: 0.99 for topic, _ in TOPICS}
    mastery["integrals"] = MASTERED - 0.01
    assert choose_next(mastery, random.Random(3)) == ("integrals", 3)


def test_ties_are_broken_by_the_rng_and_all_mastered_means_review():
    seen = {choose_next({}, random.Random(seed))[0] for seed in range(40)}
    assert seen == {topic for topic, _ in TOPICS}
    topic, difficulty = choose_next({t: 1.0 for t, _ in TOPICS}, random.Random(5))
    assert topic in dict(TOPICS) and difficulty == 3
