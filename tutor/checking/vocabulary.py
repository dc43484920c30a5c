"""The maths names, written once: the answer grammar's, and the word lists derived from them.

Three decisions read such names and they differ on purpose, so the lists are derived, not
merged (one merged list would change what computer algebra declines):

* ``FUNCTIONS``: what the answer grammar (``lexer``) reads as a function;
* ``QUESTION_WORDS``: the words of a question's maths that are maths, not prose; any other
  word of MAX_WORD (3) letters or more makes the cross-check decline (``cross_check.question``);
* ``PROSE_FUNCTIONS``: a word before a number that makes a computation in prose unjudgeable
  (``sin 30 + 1``: the sum may be the function's argument; ``step_check.prose``).

A new function name goes into ``FUNCTIONS``; it reaches both lists unless named in an
exclusion below. ``tests/test_checking_vocabulary.py`` pins each list's difference from the base.
"""

from __future__ import annotations

_ANSWERS_ONLY = frozenset(
    {
        "asinh",
        "acosh",
        "atanh",
        "arcsinh",
        "arccosh",
        "arctanh",
        "arsinh",
        "arcosh",
        "artanh",
        "sech",
        "csch",
        "coth",
        "arccot",
        "acot",
        "arcsec",
        "asec",
        "arccsc",
        "acsc",
        "cosec",
        "factorial",
    }
)
"""Read in answers only, in neither word list: inverse and reciprocal hyperbolic functions, the
inverse reciprocal functions, ``cosec`` and ``factorial``. A question naming one is declined (the
question reader never admitted them; ``question._REFUSE`` also declines arcsec/arccsc/arccot), and
in a student's prose one before a number leaves the computation after it judged (``cosec 3 + 1 = 4``)."""

FUNCTIONS: frozenset[str] = (
    frozenset(
        {
            "sin",
            "cos",
            "tan",
            "sec",
            "csc",
            "cot",
            "arcsin",
            "arccos",
            "arctan",
            "asin",
            "acos",
            "atan",
            "sinh",
            "cosh",
            "tanh",
            "ln",
            "log",
            "exp",
            "sqrt",
            "cbrt",
            "abs",
            "floor",
            "ceil",
        }
    )
    | _ANSWERS_ONLY
)
"""Function names of the answer grammar (each has a sympy meaning in ``plain_parser``)."""
CONSTANT_WORDS: dict[str, str] = {"pi": "pi", "oo": "oo", "inf": "oo", "infty": "oo", "infinity": "oo"}
"""Words the answer grammar reads as a constant -> the constant."""
LETTER_CONSTANTS = frozenset({"e", "i"})
"""Single letters the grammar reads as constants (Euler's number, the imaginary unit), never as variables."""

QUESTION_NAMES: frozenset[str] = (
    (FUNCTIONS - _ANSWERS_ONLY - {"floor", "ceil"}) | frozenset(CONSTANT_WORDS) | {"and", "or"}
)
"""Maths names in a question's maths, of two letters or more (``cross_check.solve`` removes them
before counting a question's letters). Differs from FUNCTIONS: minus _ANSWERS_ONLY and
``floor``/``ceil`` (a question naming them is declined); plus the constant words (``pi``,
``infinity``…) and ``and``/``or``, which join a system's equations or a list of roots."""
QUESTION_WORDS: frozenset[str] = QUESTION_NAMES | LETTER_CONSTANTS
"""Words of a question's maths that are not prose (``cross_check.question``): QUESTION_NAMES and
``e``/``i``, so "evaluate e^2" has a single value while "evaluate x^2" has none."""

PROSE_FUNCTIONS: frozenset[str] = (FUNCTIONS - _ANSWERS_ONLY - {"asin", "acos", "atan", "cbrt"}) | {
    "lg",
    "binom",
    "choose",
    "mod",
    "gcd",
    "lcm",
    "max",
    "min",
    "det",
}
"""Words that apply to the number after them in a student's prose (``step_check.prose``). Differs
from FUNCTIONS: minus _ANSWERS_ONLY and the programmers' spellings ``asin``/``acos``/``atan``/
``cbrt``; plus words students write before a number that the grammar does not read as functions
(``lg``, ``binom``, ``choose``, ``mod``, ``gcd``, ``lcm``, ``max``, ``min``, ``det``). Each name
here only makes more computations unjudgeable, never one wrong."""
