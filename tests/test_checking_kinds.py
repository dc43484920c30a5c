"""tutor.checking by kind of answer, through the real worker pool and real sympy."""

from __future__ import annotations

import pytest

from tutor.checking import Verdict, check_answer, parse_preview, warm_up


@pytest.fixture(scope="module", autouse=True)
def pool():
    warm_up()


def status(answer: str, reference: str) -> str:
    return check_answer(answer, reference).status


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("0.75", r"\frac{3}{4}", "correct"),
        ("6/8", r"\frac{3}{4}", "correct"),
        ("75%", r"\frac{3}{4}", "correct"),
        ("4/3", r"\frac{3}{4}", "incorrect"),
        ("2 1/2", r"\dfrac{5}{2}", "correct"),
        ("2½", r"\dfrac{5}{2}", "correct"),
        ("−7", "-7", "correct"),
        ("1,200", "1200", "correct"),
        ("1.2e3", "1200", "correct"),
        ("2.5 × 10^5", "250000", "correct"),
        ("0.333", r"\frac{1}{3}", "correct"),
        ("0.3", r"\frac{1}{3}", "incorrect"),
        ("0.334", r"\frac{1}{3}", "incorrect"),
        ("⅔", r"\frac{2}{3}", "correct"),
        ("20%", "0.2", "correct"),
        ("2%", "0.2", "incorrect"),
    ],
)
def test_numbers(answer, reference, expected):
    assert status(answer, reference) == expected


def test_exact_comparison_of_tiny_values():
    assert status("1/2004!", "1/2006!") == "incorrect"
    assert status("1/(2006*2005*2004!)", "1/2006!") == "correct"
    assert status("1 + 10^-60", "1") == "incorrect"


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("sqrt(12)", r"2\sqrt{3}", "correct"),
        ("2√3", r"2\sqrt{3}", "correct"),
        ("2sqrt3", r"2\sqrt{3}", "correct"),
        ("3√2", r"2\sqrt{3}", "incorrect"),
        ("1/√3", r"\frac{\sqrt{3}}{3}", "correct"),
        ("∛(-8)", "-2", "correct"),
        ("1.414", r"\sqrt{2}", "correct"),
        ("2π", r"2\pi", "correct"),
        ("6.283", r"2\pi", "correct"),
        ("exp(2)", "e^{2}", "correct"),
        ("2e", "e^{2}", "incorrect"),
        ("log(8)/log(2)", "3", "correct"),
        ("log_2(8)", "3", "correct"),
    ],
)
def test_radicals_and_constants(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("3(x+2)", "3x+6", "correct"),
        ("(x-3)(x+3)", "x^2-9", "correct"),
        ("x**2 - 2*x + 1", "(x-1)^2", "correct"),
        ("x²-2x+1", "(x-1)^2", "correct"),
        ("x+1/2", r"\frac{x+1}{2}", "incorrect"),
        ("2ba", "2ab", "correct"),
        ("(6x)^2", "6x^{2}", "incorrect"),
        ("sin(2x)", r"2\sin x\cos x", "correct"),
        ("sin 2x", r"\sin(2x)", "correct"),
        ("x^-2", r"\frac{1}{x^2}", "correct"),
        ("sqrt(x^2)", "x", "incorrect"),
        ("|x|", "x", "incorrect"),
    ],
)
def test_expressions(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("x = 4", "4", "correct"),
        ("4 = x", "4", "correct"),
        ("3x - y = 2", "y = 3x - 2", "correct"),
        ("2y = 6x - 4", "y = 3x - 2", "correct"),
        ("y = 3x + 2", "y = 3x - 2", "incorrect"),
        ("2x = 8", "4", "incorrect"),
    ],
)
def test_equations(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("x = 1 or x = 4", r"\{1, 4\}", "correct"),
        ("x=4, x=1", r"\{1, 4\}", "correct"),
        ("4 and 1", r"\{1, 4\}", "correct"),
        ("x = 1, 4", r"\{1, 4\}", "correct"),
        ("x = 1", r"\{1, 4\}", "incorrect"),
        ("x = 1, x = 4, x = 5", r"\{1, 4\}", "incorrect"),
        ("±5", r"\{-5, 5\}", "correct"),
        ("x = ±√2", r"x = \pm\sqrt{2}", "correct"),
        ("7 or 8", "7", "incorrect"),
        ("x = 5 or x = -2", "-2", "incorrect"),
        (r"3\pi", "3", "incorrect"),
    ],
)
def test_solution_sets_and_hedging(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("x <= 2", r"(-\infty, 2]", "correct"),
        ("(-∞, 2]", r"(-\infty, 2]", "correct"),
        ("x < 2", r"(-\infty, 2]", "incorrect"),
        ("0 <= x < 3", "[0, 3)", "correct"),
        ("(-1, oo)", "x > -1", "correct"),
        ("|x| > 1", r"(-\infty, -1) \cup (1, \infty)", "correct"),
        ("x < -1 or x > 1", r"(-\infty,-1)\cup(1,\infty)", "correct"),
        ("x > 1 and x < 3", "(1, 3)", "correct"),
        ("x \\in [0, 3)", "[0, 3)", "correct"),
    ],
)
def test_intervals(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("x=1, y=-2", "(1, -2)", "correct"),
        ("(-2, 1)", "(1, -2)", "incorrect"),
        ("(1, 2, 3)", r"\left(1, 2, 3\right)", "correct"),
        ("3 + 4I", "3+4i", "correct"),
        ("[[1,2],[3,4]]", r"\begin{pmatrix}1 & 2\\ 3 & 4\end{pmatrix}", "correct"),
        ("[[1,2],[4,3]]", r"\begin{bmatrix}1 & 2\\ 3 & 4\end{bmatrix}", "incorrect"),
    ],
)
def test_points_complex_matrices(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        (r"The answer is $\boxed{12}$.", "12", "correct"),
        (r"First $\boxed{3}$, so finally $\boxed{12}$", "12", "correct"),
        (r"\boxed{\dfrac{7}{2}}", r"\frac{7}{2}", "correct"),
        (r"$\frac12$", "0.5", "correct"),
        (r"\(\sqrt5\)", r"\sqrt{5}", "correct"),
        (r"\left(x^{2}+1\right)", "x^2+1", "correct"),
        (r"5 \mathrm{~cm}^2", "5", "correct"),
        ("45°", r"45^\circ", "correct"),
        ("no real solutions", r"\emptyset", "correct"),
        ("{}", r"\emptyset", "correct"),
        ("all real numbers", r"\mathbb{R}", "correct"),
        ("x > 0", r"\mathbb{R}", "incorrect"),
    ],
)
def test_latex_and_words(answer, reference, expected):
    assert status(answer, reference) == expected


def test_feedback_is_specific():
    v = check_answer("x = 1 or x = -4", r"\{1, 4\}")
    assert "-4" in v.feedback and "missing" in v.feedback
    assert "include" in check_answer("(-inf, 2)", r"(-\infty, 2]").feedback
    assert "sign" in check_answer("7", "-7").feedback.lower()
    assert "reciprocal" in check_answer("4/3", r"\frac34").feedback
    assert "exact form" in check_answer("0.333", r"\frac13").feedback
    assert "order" in check_answer("(-2, 1)", "(1, -2)").feedback
    assert "single answer" in check_answer("7 or 8", "7").feedback
    unread = check_answer("2x +* 3", "1")
    assert unread.status == "unparseable" and "could not read" in unread.feedback
    for hostile in ("<script>alert(1)</script>", r"\text{<b>x</b>}", "2 <img src=x>"):
        assert "<" not in check_answer(hostile, "1").feedback


def test_verdict_fields_and_preview():
    v = check_answer("x = ±√2", r"x = \pm\sqrt{2}")
    assert isinstance(v, Verdict) and v.correct and v.answer_latex == r"x = \pm \sqrt{2}"
    assert parse_preview("3/4") == r"\frac{3}{4}"
    assert parse_preview("0.333") == "0.333"
    assert parse_preview("2x +* 3") is None


def test_an_interval_from_minus_infinity_as_reference_is_a_set_not_a_point():
    """Regression: -oo is its own sympy atom, so has(oo) missed it and (-oo, 5) read as a point."""
    for reference in ("(-\\infty, 5)", "(-oo, 5)", "(-∞, 5)", "$(-\\infty, 5)$"):
        assert check_answer("x < 5", reference).correct, reference
    assert not check_answer("x <= 5", "(-oo, 5)").correct
