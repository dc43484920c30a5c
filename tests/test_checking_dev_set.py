"""Labelled answer pairs: the shared dev set (≥ 98 %, no false accepts) and our
own extra set (100 %, no false accepts), checked through the real pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor.checking import check_answer, warm_up

DATA = Path(__file__).parent / "data"


def run_set(name: str) -> tuple[int, list[dict], list[dict]]:
    rows = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
    warm_up()
    wrong, false_accepts = [], []
    for row in rows:
        verdict = check_answer(row["answer"], row["reference"])
        if verdict.correct != row["correct"]:
            wrong.append({**row, "got": verdict.status, "feedback": verdict.feedback})
            if verdict.correct:
                false_accepts.append(row)
    return len(rows), wrong, false_accepts


def test_dev_set_accuracy_and_no_false_accepts():
    n, wrong, false_accepts = run_set("answers_dev.jsonl")
    assert n == 108
    assert not false_accepts, false_accepts
    assert (n - len(wrong)) / n >= 0.98, wrong


def test_extra_set_all_right():
    n, wrong, false_accepts = run_set("answers_extra.jsonl")
    assert n >= 60
    assert not false_accepts, false_accepts
    assert not wrong, wrong


@pytest.mark.parametrize("name", ["answers_dev.jsonl", "answers_extra.jsonl"])
def test_sets_are_well_formed(name):
    for line in (DATA / name).read_text().splitlines():
        row = json.loads(line)
        assert set(row) == {"kind", "reference", "answer", "correct"}
        assert isinstance(row["correct"], bool)
