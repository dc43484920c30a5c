"""Step checking: the first line of a student's working that does not follow from the one before.

``working.py`` (this process: lines, what is maths, the report) checks prose arithmetic exactly
with ``prose.py`` and sends each pair of maths lines to ``step.py`` (a pool worker: the checker's
grammar and sympy). Contract name: ``tutor.steps``.
"""

from .working import MAX_LINES, MAX_WORKING_CHARS, StepReport, WorkingLine, WorkingReport, check_working

__all__ = ["MAX_LINES", "MAX_WORKING_CHARS", "StepReport", "WorkingLine", "WorkingReport", "check_working"]
