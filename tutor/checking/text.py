"""From a raw reply to the answer text: boxed answer, maths delimiters, prose.

Runs in the worker on input already capped at 2,000 characters; the regexes
are written to stay near-linear in that length (no nested quantifiers).
"""

from __future__ import annotations

import re

from tutor.generation.boxed import last_boxed

MATH_DELIMITERS = re.compile(r"\$\$|\$|\\\(|\\\)|\\\[|\\\]")
"""Every maths delimiter (``$$``, ``$``, ``\\(``, ``\\)``, ``\\[``, ``\\]``); also read by ``cross_check.question``."""
_MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_DEGREE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\degree|\^\s*\{\s*\\text\{\s*o\s*\}\s*\}")
_THIN_THOUSANDS = re.compile(r"(?<=\d)(?:\{,\}|\\,|,?\s?\\!\s?|\\ )(?=\d{3}(?!\d))")
"""``10{,}080``, ``10\\,080``, ``10,\\!080``, ``11,\\! 111``: thousands separators (TeX spacing);
``(100,\\,200)`` stays a pair: a comma then ``\\,`` is list spacing."""
_DOUBLED = re.compile(r"(?<!\\)\\\\(?=[A-Za-z])")
"""``\\\\frac`` (a raw-string slip: every backslash doubled) is ``\\frac``; not in matrices."""
_PROSE = re.compile(
    r"^(?:(?:so|thus|therefore|hence|then)\s*,?\s+)?(?:the\s+|my\s+)?(?:final\s+)?"
    r"(?:answer|solution|solutions|result|value|values|roots?|zeros?)\s*"
    r"(?:is|are|:|=)\s*:?\s*",
    re.I,
)
_LABEL = re.compile(r"^\s*(?:[fghpq]'*\s*\(\s*[a-z]\s*\)|dy\s*/\s*dx|\\frac\{dy\}\{dx\}|y')\s*=\s*")
"""A function label before the answer: ``f(x) = 2x + 1`` answers ``2x + 1``."""
_EMPTY_WORDS = re.compile(
    r"(?:there\s+(?:is|are)\s+)?(?:no(?:\s+real)?(?:\s+(?:solutions?|roots?|answers?|values?))?"
    r"|none|dne|does\s+not\s+exist|(?:the\s+)?empty\s+set|\{\s*\}|\\\{\s*\\\}|∅)",
    re.I,
)
_REAL_WORDS = re.compile(
    r"(?:x\s+(?:is|can\s+be)\s+)?(?:(?:all|any)\s+real(?:\s+numbers?|s)?|every\s+real\s+number"
    r"|all\s+reals|infinitely\s+many(?:\s+real)?\s+solutions|ℝ|\\mathbb\{?R\}?|R)",
    re.I,
)


def extract(reply: str) -> str:
    """The final-answer text of ``reply`` (last ``\\boxed{}``, else the whole text)."""
    boxed = last_boxed(reply) if ("\\boxed" in reply or "\\fbox" in reply) else None
    text = boxed if boxed is not None else reply
    if "\\begin" not in text:
        text = _DOUBLED.sub(r"\\", text)
    text = _DEGREE.sub("°", text)
    text = _THIN_THOUSANDS.sub("", text)
    text = text.strip()
    tail = _TAIL_NUMBER.search(text) if boxed is None and _MATH_SEGMENT.search(text) else None
    if tail and tail.start() > _last_segment_end(text) and _PROSE_WORDS.search(_MATH_SEGMENT.sub(" ", text)):
        text = tail.group(1)
    elif boxed is None and _MATH_SEGMENT.search(text) and not _PROSE.match(text):
        prose_left = _MATH_SEGMENT.sub(" ", text)
        if _PROSE_WORDS.search(prose_left):
            segments = [next(g for g in m.groups() if g) for m in _MATH_SEGMENT.finditer(text)]
            text = segments[-1]
    text = MATH_DELIMITERS.sub(" ", text).strip()
    text = _PROSE.sub("", text, count=1)
    text = _LABEL.sub("", text, count=1)
    text = text.rstrip(" .;:")
    return _phrase(text)


_PROSE_WORDS = re.compile(r"[A-Za-z]{4,}|(?!(?:and|or)\b)[A-Za-z]{2,}\s+(?!(?:and|or)\b)[A-Za-z]{2,}")
"""Prose outside the maths: a long word, or two words that are not ``and``/``or``
(``The sum is $…$``; ``$1$ and $2$ and $3$`` is a list)."""
_TAIL_NUMBER = re.compile(r"\b(?:is|are|equals)\s+(-?\d+(?:\.\d+)?)\s*\.?\s*$")
"""``The largest $n$ is 34.``: a plain number closing the reply, after the last maths."""


def _last_segment_end(text: str) -> int:
    return max((m.end() for m in _MATH_SEGMENT.finditer(text)), default=-1)


def _phrase(text: str) -> str:
    """Whole-answer words for the empty set and all reals become LaTeX symbols."""
    core = re.sub(r"^(?:x\s*(?:\\in|∈|=)\s*)", "", text.strip())
    core = re.sub(r"\\text\{([^{}]*)\}", r"\1", core).strip()
    if _EMPTY_WORDS.fullmatch(core):
        return "\\emptyset"
    if _REAL_WORDS.fullmatch(core):
        return "\\mathbb{R}"
    return text
