"""The maths word lists (tutor/checking/vocabulary.py): each one's difference from the grammar's
function names, stated here once. A change to a list changes what computer algebra declines or
what "Check my working" judges, so it must change this test too. (Pinned on 2026-12-01 against the
three hand-written sets they replaced: lexer.FUNCTIONS, question._MATH_WORDS, prose._FUNCTIONS.)"""

from __future__ import annotations

import re

from tutor.checking import lexer, plain_parser, vocabulary
from tutor.checking.cross_check import question, solve
from tutor.checking.step_check import prose
from tutor.checking.vocabulary import FUNCTIONS, PROSE_FUNCTIONS, QUESTION_NAMES, QUESTION_WORDS

CORE = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"} | {
    *("ln", "log", "exp", "sqrt", "abs")
}
"""In all three lists."""
PROGRAMMERS_SPELLINGS = {"asin", "acos", "atan", "cbrt"}
ROUNDING = {"floor", "ceil"}
ANSWERS_ONLY = {
    *("asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "arsinh", "arcosh", "artanh"),
    *("sech", "csch", "coth"),
    *("arccot", "acot", "arcsec", "asec", "arccsc", "acsc"),
    *("cosec", "factorial"),
}
CONSTANT_WORDS = {"pi", "oo", "inf", "infty", "infinity"}
JOINERS = {"and", "or"}
PROSE_ONLY = {"lg", "binom", "choose", "mod", "gcd", "lcm", "max", "min", "det"}


def test_the_grammar_reads_these_function_names_and_each_has_a_sympy_meaning() -> None:
    assert FUNCTIONS == CORE | PROGRAMMERS_SPELLINGS | ROUNDING | ANSWERS_ONLY
    assert len(FUNCTIONS) == 43
    assert lexer.FUNCTIONS is FUNCTIONS and lexer.CONSTANT_WORDS is vocabulary.CONSTANT_WORDS
    assert set(vocabulary.CONSTANT_WORDS) == CONSTANT_WORDS
    assert set(plain_parser._FUNCS) | {"sqrt", "cbrt"} == FUNCTIONS  # the roots are parsed apart


def test_question_words_are_the_grammar_names_less_answers_only_and_rounding_plus_constants_and_joiners() -> None:
    assert (FUNCTIONS - ANSWERS_ONLY - ROUNDING) | CONSTANT_WORDS | {"e", "i"} | JOINERS == QUESTION_WORDS
    assert CORE | PROGRAMMERS_SPELLINGS | CONSTANT_WORDS | {"e", "i"} | JOINERS == QUESTION_WORDS
    assert QUESTION_WORDS - {"e", "i"} == QUESTION_NAMES
    assert question.QUESTION_WORDS is QUESTION_WORDS


def test_the_solver_strips_the_question_names_longest_first_and_keeps_upper_case_e_and_i() -> None:
    assert set(solve._NAMES.pattern.split("|")) == QUESTION_NAMES
    assert solve._NAMES.sub(" ", "sinh(x) + arctan(x) + infinity") == " (x) +  (x) +  "
    assert "E" in solve._NAMES.sub(" ", "E + sin(I)") and "I" in solve._NAMES.sub(" ", "E + sin(I)")
    assert re.fullmatch(solve._NAMES, "SQRT")


def test_prose_functions_are_the_grammar_names_less_answers_only_and_programmers_spellings_plus_prose_words() -> None:
    assert PROSE_FUNCTIONS == (FUNCTIONS - ANSWERS_ONLY - PROGRAMMERS_SPELLINGS) | PROSE_ONLY
    assert PROSE_FUNCTIONS == CORE | ROUNDING | PROSE_ONLY


def test_the_lists_decide_what_they_did() -> None:
    assert question.parse_question("evaluate cosec(pi/6)") is None  # an answers-only name: declined
    assert question.parse_question("evaluate floor(2.5)") is None
    assert question.parse_question("evaluate sqrt(16)") is not None
    assert question.parse_question("evaluate e^2") is not None and question.parse_question("evaluate x^2") is None
    assert [link.ok for link in prose.computations("so sin 30 + 1 = 2 here")] == []  # a function of what follows
    assert [link.ok for link in prose.computations("so gcd 12 + 1 = 5 here")] == []
    assert [link.ok for link in prose.computations("so cosec 3 + 1 = 4 here")] == [True]
