"""Guided modes (``Hint``, ``Coach me``): prompts, and a stream that never shows the answer.

Hazard: a hint streamed token by token would show the answer before any screen could cut
it. ``ScreenedText`` releases text only up to the last complete sentence that
``screen_hint`` has passed against the (hidden) final answer; on a leak it cuts before the
leaking sentence and the generation is stopped. The screen compares with sympy in the
checker's worker pool, so "4", "four", "x equals 4" and "\\boxed{4}" are all caught.
The screen is given the dialogue so far (the question, the student's turns, earlier
hints; never the system prompt or the privately worked solution), so a number the
dialogue already wrote is not taken for a leak when a hint merely restates it.
"""

from __future__ import annotations

import re
from pathlib import Path

from storage.enums import GUIDED_MODES, SessionMode
from tutor.backends import ModelMessage
from tutor.checking.hint_screen import screen_hint
from tutor.prompts import load_prompt

MODES = {"Show solution": SessionMode.SOLUTION, "Hint": SessionMode.HINT, "Coach me": SessionMode.COACH}
"""Control label -> stored mode. The labels are the accessible names browser tests and screen
readers find the controls by (README, "What a student gets"); keep them."""
GUIDED = GUIDED_MODES
"""Hint and Coach me: `SessionMode` is re-exported here for ``ui`` (which may not import ``storage``)."""
PROMPTS: dict[str, str] = {
    mode: load_prompt(Path(__file__).parent.parent / "prompts" / f"{mode}.md").system for mode in GUIDED
}
NEXT_HINT = "Next hint, please."
REVEAL = "Show me the solution, please."
"""Stored as the question of a turn that revealed a guided session's solution."""
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


def conversation(system: str, turns: list[tuple[str, str]], latest: str) -> list[ModelMessage]:
    """``system``, then earlier (student, tutor) turns, then the student's ``latest`` message."""
    messages: list[ModelMessage] = [{"role": "system", "content": system}]
    for student, tutor in turns:
        messages += [{"role": "user", "content": student}, {"role": "assistant", "content": tutor}]
    messages.append({"role": "user", "content": latest})
    return messages


def guided_messages(mode: str, turns: list[tuple[str, str]], latest: str) -> list[ModelMessage]:
    """The conversation for a guided reply."""
    return conversation(PROMPTS[mode], turns, latest)


def dialogue(messages: list[ModelMessage]) -> str:
    """The dialogue so far as ``Student: …`` / ``Tutor: …`` lines; system messages are left out."""
    names = {"user": "Student", "assistant": "Tutor"}
    return "\n".join(
        f"{names[m['role']]}: {m['content']}"
        for m in messages
        if m.get("role") in names and isinstance(m.get("content"), str)
    )


class ScreenedText:
    """Releases a guided reply sentence by sentence, each prefix screened for the answer.

    ``context``: the dialogue so far, as text or as the messages sent to the model.
    """

    def __init__(self, final_answer: str | None, context: str | list[ModelMessage] = ""):
        self.final_answer = final_answer
        self.context = context if isinstance(context, str) else dialogue(context)
        self.visible = ""
        self.leaked = False
        self._passed = 0

    def update(self, text: str, *, finished: bool = False) -> str:
        """Visible text for ``text`` so far; sets ``leaked`` (and stops growing) on a leak."""
        if self.leaked:
            return self.visible
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        upto = len(text) if finished else (ends[-1] if ends else 0)
        if upto <= self._passed:
            return self.visible
        candidate = text[:upto]
        if self.final_answer:
            screened = screen_hint(candidate, self.final_answer, context=self.context)
            if screened.leaked:
                self.leaked = True
                self.visible = screened.text.rstrip()
                return self.visible
        self._passed = upto
        self.visible = candidate.rstrip() if finished else candidate
        return self.visible
