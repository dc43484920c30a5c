"""Hint screen: does a hint (or a coaching turn) give the final answer away?

``screen.py`` (this process: sentences, candidates, the dialogue's known values) asks
``leak_check.py`` (a pool worker: the checker's comparison) which candidate states the answer.
Contract name: ``tutor.leak_screen``.
"""

from .screen import MAX_HINT_CHARS, Screened, screen_hint

__all__ = ["MAX_HINT_CHARS", "Screened", "screen_hint"]
