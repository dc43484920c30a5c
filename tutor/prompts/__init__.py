"""The tutor's instructions, kept in ``system.md`` so a teacher can read them in one file.

The file's "Example question"/"Example answer" sections become a worked exchange placed
before the student's question. Small models copy its format: without it the 135M demo model
ignored the instructions (no LaTeX, no ``\\boxed``); with it, it writes numbered steps and a
boxed answer. Reasoning models (Phi-4-mini-reasoning) get the instructions alone, as their
model card recommends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROMPT_FILE = Path(__file__).parent / "system.md"


@dataclass(frozen=True)
class Prompt:
    system: str
    example_question: str
    example_answer: str


def load_prompt(path: Path = PROMPT_FILE) -> Prompt:
    text = path.read_text(encoding="utf-8")
    system, _, example = text.partition("\n## Example question\n")
    question, _, answer = example.partition("\n## Example answer\n")
    return Prompt(system.strip(), question.strip(), answer.strip())
