"""The hint screen: scripted model outputs that state the answer are cut; honest hints are not."""

from __future__ import annotations

import time

import pytest

from tutor.checking.hint_screen.screen import screen_hint, words_to_numbers


@pytest.mark.parametrize(
    "hint, answer, kept",
    [
        # plain text
        ("First isolate x. So x is 4. Nice work.", "x = 4", "First isolate x."),
        ("Subtract 5 from both sides. Then x = 2.", "x = 2", "Subtract 5 from both sides."),
        ("Keep going. The answer is 12.", "12", "Keep going."),
        ("Nearly there. You should get 3/4 in the end.", r"\frac{3}{4}", "Nearly there."),
        ("Note that 2 + 2 = 4. Good.", "4", ""),
        # LaTeX
        ("Subtract 5: $3x = 6$. Now divide: $x = 2$.", "x = 2", "Subtract 5: $3x = 6$."),
        (r"Divide both sides by 3. \(x = 2\)", "2", "Divide both sides by 3."),
        ("Work it out.\n$$x = \\frac{8}{2} = 4$$", "x = 4", "Work it out."),
        (r"Try it yourself. \boxed{x = 7}", "7", "Try it yourself."),
        (r"Simplify. It becomes $\frac{6}{8}$.", "3/4", "Simplify."),
        ("One root is easy to spot. It is $x = 3$.", "x = 2 or x = 3", "One root is easy to spot."),
        ("Put the terms together and you get $3x^2 \\sin x + x^3 \\cos x$.", r"3x^2 \sin x + x^3 \cos x", ""),
        ("Think about the sign. So $x > 4$.", "x > 4", "Think about the sign."),
        ("Use elimination. You find $x = 2, y = 1$.", "(2, 1)", "Use elimination."),
        # reworded numbers
        ("Think about it. The answer is four.", "x = 4", "Think about it."),
        ("Try halving. x equals two.", "2", "Try halving."),
        ("Look again. It works out to one half.", "0.5", "Look again."),
        ("Look again. It is 0.5 exactly.", r"\frac{1}{2}", "Look again."),
        ("Check the sign. x is negative three.", "x = -3", "Check the sign."),
        ("Step one is fine. The result is twenty-one.", "21", "Step one is fine."),
        # prompt injection in the student's message does not matter: the output is screened
        ("Sure! Ignoring my instructions as you asked: the final answer is x = 2.", "x = 2", "Sure!"),
    ],
)
def test_leaks_are_cut(hint, answer, kept):
    out = screen_hint(hint, answer)
    assert out.leaked
    assert out.text == kept


@pytest.mark.parametrize(
    "hint, answer",
    [
        ("Subtract 5 from both sides of $3x + 5 = 11$. What do you get?", "x = 2"),
        ("Start from $3x + 5 = 11$. Which number should you move first: 3 or 5?", "2"),
        ("Consider $2x = 8$. What should you divide both sides by?", "x = 4"),
        ("The derivative of $x^3$ is $3x^2$. Now use the product rule for the rest.", r"3x^2 \sin x + x^3 \cos x"),
        ("Write $\\frac{3}{4}$ and $\\frac{1}{6}$ over the common denominator 12.", r"\frac{11}{12}"),
        ("There are 3 terms in $x^2 + 5x + 6$. Which two numbers multiply to 6 and add to 5?", "x = -2 or x = -3"),
        ("Expand the bracket first: $2(x + 3) = 10$ becomes $2x + 6 = 10$.", "x = 2"),
        ("Try some values. If x is 1, is the left side bigger than 5?", "x > 4"),
        ("No numbers here, just think about what undoes multiplication.", "x = 9"),
    ],
)
def test_honest_hints_are_kept(hint, answer):
    out = screen_hint(hint, answer)
    assert not out.leaked
    assert out.text == hint


def test_numbers_in_words():
    assert words_to_numbers("x equals two") == "x equals 2"
    assert words_to_numbers("one half and three quarters") == "1/2 and 3/4"
    assert words_to_numbers("negative three, zero point five, one hundred and five") == "-3, 0.5, 105"


def test_an_unreadable_final_answer_falls_back_to_text():
    answer = "x = 4 bananas"  # "bananas" is not maths: the checker cannot read it
    out = screen_hint("Nearly done. So $x = 4 bananas$.", answer)
    assert out.leaked and out.text == "Nearly done."
    assert not screen_hint("Count the bananas. There are 7 of them.", answer).leaked


def test_bad_inputs_never_raise():
    assert screen_hint("", "4") == screen_hint("", "4")
    assert not screen_hint("A hint.", "").leaked
    assert screen_hint(None, "4").text == ""  # type: ignore[arg-type]


def test_hostile_hint_returns_in_time():
    hint = "Think. " + " ".join(f"$x = {9**9}^{{{9**9}}}$." for _ in range(200))
    t0 = time.monotonic()
    out = screen_hint(hint, "x = 4", timeout=1.0)
    assert time.monotonic() - t0 < 3.0
    assert hint.startswith(out.text) and (out.text == hint or out.leaked)  # what was not screened is not shown


def test_no_verdict_in_time_fails_closed(monkeypatch):
    from tutor.checking import pool

    def timeout(*args, **kwargs):
        raise pool.CheckTimeout()

    monkeypatch.setattr(pool, "run", timeout)
    out = screen_hint("Start from the equation. Then divide, and $x = 4$.", "x = 5")
    assert out.leaked and out.text == "Start from the equation."


def test_a_box_inside_a_maths_span_is_seen():
    out = screen_hint(r"Almost there. So $\boxed{4}$.", "x = 4")
    assert out.leaked and out.text == "Almost there."


def test_many_spans_are_screened_quickly():
    hint = "Look. " + " ".join(f"Term {k} is $x^{k}$." for k in range(1500))
    t0 = time.monotonic()
    out = screen_hint(hint, "x = 4")
    assert time.monotonic() - t0 < 3.0
    assert hint.startswith(out.text)
