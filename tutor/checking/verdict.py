"""The result of one check, as the UI and the CLI see it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

STATUSES = ("correct", "incorrect", "unparseable", "timeout")


@dataclass(frozen=True)
class Verdict:
    status: str
    """One of STATUSES."""
    feedback: str
    """One or two plain sentences (may contain ``$…$`` LaTeX, never HTML)."""
    answer_latex: str | None = None
    """How the answer was understood, as LaTeX ("You entered: …"); None if unread."""
    busy: bool = False
    """The check did not run: every checker worker was busy (load, not the answer). Not an attempt."""

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict:
        return {**asdict(self), "correct": self.correct}


LEADS = {"correct": "Correct!", "incorrect": "Not quite."}
"""The word a verdict line starts with (browser tests and the API's clients look for these words)."""


def verdict_line(status: str, feedback: str, note: str = "") -> str:
    """One line for a checked answer: ``Correct!``/``Not quite.`` then the feedback, the lead
    never twice ("Correct." feedback stays as it is), then ``note``."""
    lead = LEADS.get(status)
    said = feedback if lead is None or feedback.lower().startswith(lead.lower().rstrip("!.")) else f"{lead} {feedback}"
    return f"{said} {note}".strip()
