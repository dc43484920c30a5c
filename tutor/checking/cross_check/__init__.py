"""Cross-check: computer algebra's own answer to a question it can settle, compared with the model's.

``question.py`` (this process: reads the question's words, regexes only) hands the maths to
``solve.py`` (a pool worker: sympy under the checker's bounds); ``reference.py`` decides what a
student's answer is checked against. Contract name: ``tutor.cas``.
"""

from .question import CasResult, CrossCheck, agrees, cas_answer, cross_check, parse_question
from .reference import CAS_DIFFERS_NOTE, CAS_ONLY_NOTE, Reference, check_against, reference_for

__all__ = [
    "CAS_DIFFERS_NOTE",
    "CAS_ONLY_NOTE",
    "CasResult",
    "CrossCheck",
    "Reference",
    "agrees",
    "cas_answer",
    "check_against",
    "cross_check",
    "parse_question",
    "reference_for",
]
