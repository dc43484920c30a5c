"""Flags for the teacher: pure functions from a reply or its attempts to (kind, detail) pairs.

Kinds:
- ``unfinished``: the reply did not complete (stopped, failed, interrupted).
- ``unconfirmed``: there is no final answer to check against, or the checker could not
  settle an answer against it (unparseable, timeout).
- ``many_failed``: ``MANY_FAILED`` or more wrong attempts on one problem and none right.
- ``self_harm``, ``abuse``, ``personal_data``: a keyword-and-pattern screen of what the
  student wrote (and of the model's reply) for things a student should not be left alone
  with. It is deliberately simple and errs towards flagging: a teacher reads a flag, so a
  false alarm costs a glance. ``Screen`` is the seam for a moderation model later: anything
  with ``screen(text) -> list[Hit]`` can replace `KeywordScreen`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from storage.enums import AttemptStatus, MessageStatus

MANY_FAILED = 3
KINDS = (
    "unfinished",
    "unconfirmed",
    "cas_disagrees",
    "many_failed",
    "self_harm",
    "abuse",
    "personal_data",
    "harmful_request",
)
LABELS = {
    "unfinished": "Reply not finished",
    "unconfirmed": "Answer not confirmed",
    "cas_disagrees": "Computer algebra disagrees",
    "many_failed": "Many failed attempts",
    "self_harm": "Possible self-harm",
    "abuse": "Possible abuse or bullying",
    "personal_data": "Personal data shared",
    "harmful_request": "Harmful request refused",
}
SAFETY_KINDS = frozenset({"self_harm", "abuse", "personal_data", "harmful_request"})
SCREEN_CHARS = 20_000


@dataclass(frozen=True)
class Hit:
    kind: str
    detail: str

    def pair(self) -> tuple[str, str]:
        return self.kind, self.detail


class Screen(Protocol):
    def screen(self, text: str) -> list[Hit]: ...


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.I)


_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "self_harm",
        "mentions self-harm or suicide",
        _words(
            r"kill(?:ing)? my ?self",
            r"suicid(?:e|al)",
            r"end(?:ing)? (?:my|it all)(?: life)?",
            r"want(?:ed)? to die",
            r"(?:hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?) my ?self",
            r"self[- ]?harm(?:ing)?",
            r"no reason to live",
            r"better off dead",
            r"don'?t want to (?:live|be alive|exist)",
        ),
    ),
    (
        "abuse",
        "mentions abuse, violence or bullying",
        _words(
            r"(?:hits?|hitting|beats?|beating|hurts?|kicks?|touch(?:es|ed)?) me",
            r"abus(?:e|ed|es|ing|ive)",
            r"bull(?:y|ies|ied|ying)",
            r"threaten(?:s|ed|ing)? (?:me|to)",
            r"molest(?:s|ed|ing)?",
            r"scared to go home",
            r"afraid of my (?:dad|mum|mom|father|mother|parents?|stepdad|stepmum|stepmom|teacher|coach)",
        ),
    ),
    ("personal_data", "contains an email address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")),
    (
        "personal_data",
        "contains a phone number",
        re.compile(
            r"(?<![\w=+*/^.-])(?:"
            r"\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}"  # international: +44 20 7946 0958
            r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"  # North American: (555) 010-4477
            r"|0\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,4}"  # national with a leading 0: 07700 900123
            r")(?![\w=+*/^-]|\.\d)"
        ),
    ),
    (
        "personal_data",
        "contains a street address",
        re.compile(
            r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Boulevard|Blvd|Place|Pl|Crescent|Terrace)\b\.?"
        ),
    ),
    (
        "personal_data",
        "shares where the student lives or a password",
        _words(
            r"my (?:home )?address is",
            r"i live (?:at|on) \d",
            r"my (?:phone|mobile|cell)(?: number)? is",
            r"my password is",
            r"my (?:social security|ssn|passport) (?:number )?is",
        ),
    ),
]


class KeywordScreen:
    """Regular expressions over the text; one hit per kind, with what was found."""

    def screen(self, text: str) -> list[Hit]:
        text = (text or "")[:SCREEN_CHARS]
        hits: dict[str, Hit] = {}
        for kind, detail, pattern in _RULES:
            if kind not in hits and pattern.search(text):
                hits[kind] = Hit(kind, detail)
        return list(hits.values())


DEFAULT_SCREEN: Screen = KeywordScreen()


def screen_text(text: str, screen: Screen = DEFAULT_SCREEN) -> list[Hit]:
    return screen.screen(text)


def reply_flags(
    question: str, solution: str, final_answer: str | None, status: str, screen: Screen = DEFAULT_SCREEN
) -> list[Hit]:
    """Flags for a reply once generation has ended."""
    hits: list[Hit] = []
    if status != MessageStatus.COMPLETE:
        hits.append(Hit("unfinished", f"the reply was {status}"))
    elif not (final_answer or "").strip():
        hits.append(Hit("unconfirmed", "the reply has no final answer the checker could use"))
    hits += [Hit(h.kind, f"question {h.detail}") for h in screen.screen(question)]
    seen = {h.kind for h in hits}
    hits += [Hit(h.kind, f"tutor reply {h.detail}") for h in screen.screen(solution) if h.kind not in seen]
    return hits


def attempt_flags(attempts: Sequence[tuple[str, bool]], answer: str = "", screen: Screen = DEFAULT_SCREEN) -> list[Hit]:
    """Flags after an answer was checked. `attempts`: (status, correct) of every attempt on
    this problem so far, oldest first, the new one last; `answer`: the new answer's text."""
    hits: list[Hit] = []
    if attempts and attempts[-1][0] in (AttemptStatus.UNPARSEABLE, AttemptStatus.TIMEOUT):
        hits.append(Hit("unconfirmed", f"the checker could not settle an answer ({attempts[-1][0]})"))
    wrong = sum(1 for status, correct in attempts if not correct and status == AttemptStatus.INCORRECT)
    if wrong >= MANY_FAILED and not any(correct for _, correct in attempts):
        hits.append(Hit("many_failed", f"{wrong} wrong attempts and none right"))
    hits += [Hit(h.kind, f"answer {h.detail}") for h in screen.screen(answer)]
    return hits


def pairs(hits: Iterable[Hit]) -> list[tuple[str, str]]:
    return [h.pair() for h in hits]
