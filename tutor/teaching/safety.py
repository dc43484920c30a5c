"""Questions the tutor should not send to the model: answered kindly, flagged for the teacher.

A keyword-and-pattern screen (the same spirit as ``tutor.teaching.flags``): a student who writes
about self-harm or abuse gets a caring reply pointing to a trusted adult, never a maths
lecture; a request for harm unrelated to maths (weapons, drugs, hurting someone, breaking
into accounts) gets a kind refusal. Both are stored and flagged so the teacher sees them.
A moderation model can replace ``screen_question`` later without touching the callers.
"""

from __future__ import annotations

import re

from tutor.teaching.flags import Hit, screen_text

CARE_REPLY = (
    "I'm really sorry you're going through this, and I'm glad you said something. "
    "You don't have to deal with it alone: please talk to a teacher, your school counsellor or another adult "
    "you trust today. If you are in danger right now, call your local emergency number. "
    "I'm a maths tutor, so I can't help with this myself — but whenever you want to do some maths, I'm here."
)
REFUSAL_REPLY = (
    "I can't help with that. I'm a maths tutor, so I stick to mathematics — "
    "ask me any maths question and we'll work through it together."
)

_HARMFUL = re.compile(
    r"\b(?:how (?:do i|to|can i) (?:make|build|buy|get|use) (?:a |an |some "
    r")?(?:bomb|explosives?|gun|weapon|poison|drugs?|meth|cocaine)"
    r"|(?:kill|hurt|poison|stab|shoot) (?:someone|somebody|my (?:teacher|classmate|friend|brother|sister|mum|mom|dad))"
    r"|hack (?:into )?(?:someone'?s|my (?:teacher|school)'?s?|an?) (?:account|password|email|phone|computer)"
    r"|(?:steal|shoplift)(?:ing)? (?:from|a|an|some)\b)",
    re.I,
)


def screen_question(question: str) -> tuple[str, Hit] | None:
    """(reply, flag) for a question the model should not see, else None."""
    for hit in screen_text(question):
        if hit.kind in ("self_harm", "abuse"):
            return CARE_REPLY, Hit(hit.kind, f"question {hit.detail}")
    if _HARMFUL.search(question[:20_000]):
        return REFUSAL_REPLY, Hit("harmful_request", "question asks for something harmful and unrelated to maths")
    return None
