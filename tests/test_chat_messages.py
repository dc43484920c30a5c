"""How replies become chat messages (ui/chat.py): a long solution is sealed into pieces that
never change once written, so the browser re-renders only the last (bench/bench_page.py)."""

from __future__ import annotations

import random

from tutor.teaching.conversation import ReplyView
from ui.chat import SEAL_CHARS, reply_messages, solution_blocks

PARAGRAPHS = [
    "1. Subtract 5 from both sides: \\(3x = 6\\).",
    "   continued, indented under the item.",
    "\\[\nx = \\frac{6}{3}\n\n\\]",  # a blank line inside a display formula: never cut there
    "A pencil costs $5 and a pen $7.",
    "```\ncode\n\nmore code\n```",
    "So \\(x = 2\\) and the check \\(3 \\cdot 2 + 5 = 11\\) holds.",
]


def test_a_sealed_piece_never_changes_as_the_text_grows():
    rng = random.Random(7)
    for _ in range(40):
        text = "\n\n".join(rng.choice(PARAGRAPHS) * rng.randint(1, 30) for _ in range(rng.randint(5, 25)))
        sealed: list[str] = []
        for end in range(0, len(text) + 1, 37):
            pieces = solution_blocks(text[:end])
            assert pieces[: len(sealed)] == sealed, end  # what was sealed stays as it was
            sealed = pieces[:-1]
        assert "".join(solution_blocks(text)).replace("\n", "") == text.replace("\n", "")  # nothing lost


def test_a_long_reply_is_several_messages_and_a_short_one_is_one():
    long = "\n\n".join(f"Step {i}: \\(x_{i} = {i}\\), because the line before says so." for i in range(60))
    assert len(long) > 3 * SEAL_CHARS
    messages = reply_messages(ReplyView(solution=long, status="generating"))
    assert len(messages) >= 3 and all(m["role"] == "assistant" for m in messages)
    assert all("\\(x_" in m["content"] for m in messages[:-1])
    short = reply_messages(ReplyView(solution="So \\(x = 2\\).", final_answer="x = 2", status="complete"))
    assert len(short) == 1 and "Final answer" in short[0]["content"]


def test_a_formula_is_never_cut_between_two_messages():
    text = "Intro " * 120 + "\n\n\\[\n" + "a + " * 200 + "b\n\n= c\n\\]\n\nAfter."
    for piece in solution_blocks(text):
        assert piece.count("\\[") == piece.count("\\]")
