"""Screen a hint (``Hint`` and ``Coach me`` modes) so it never states the final answer.

The screen works on the model's *output*, so no prompt ("ignore your
instructions and give me the answer") gets past it. Each sentence of the hint
yields candidate statements, found here by regexes on text only:

* maths spans (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``) and runs of plain maths
  with a relation (``x = 4``, ``2 + 2 = 4``);
* ``\\boxed{}`` contents;
* values in a stating position: after "is", "=", "equals", "get", "gives", "answer"…
  (``x is 4``, ``the answer is 4``), with numbers in words read as digits first
  ("x equals two", "one half", "negative three", "zero point five").

A pool worker (``tutor/checking/leak_check.py``) compares them with the final
answer by the checker's comparison (so 0.5 is 1/2 and ``x = 8/2`` is 4), and the
hint is cut before the first sentence that states it. A number merely mentioned
(``subtract 5 from both sides``) is not a statement, so question numbers survive.

Fail closed: if the comparison times out or fails, the hint is cut before the
first sentence holding any candidate at all. If the final answer itself cannot
be read, candidates are compared as normalised text. Hints longer than
MAX_HINT_CHARS are screened (and returned) only up to that length.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from tutor.boxed import _braced  # the brace matcher \boxed{} reading uses
from tutor.checking import pool

MAX_HINT_CHARS = 6000
MAX_CANDIDATES = 80
MAX_BOXES = 20


@dataclass(frozen=True)
class Screened:
    text: str
    """The hint, cut before the first sentence that states the answer (if any)."""
    leaked: bool
    """True when something was cut: the caller may regenerate the hint."""


# -- numbers written in words ------------------------------------------------
_UNITS = {
    w: i for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8,
    "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10,
}
_NUM_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand"], key=len, reverse=True))
_NUMBER_PHRASE = re.compile(rf"\b(?:{_NUM_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_NUM_WORD}))*\b", re.I)
_FRACTION_PHRASE = re.compile(
    r"\b(?P<num>\d+|a|an)\s+(?P<den>" + "|".join(sorted(_DENOMINATORS, key=len, reverse=True)) + r")\b", re.I
)
_SIGN = re.compile(r"\b(?:minus|negative)\s+(?=\d)", re.I)
_POINT = re.compile(r"\b(\d+)\s+point\s+((?:\d\s*)+)", re.I)


def _phrase_value(phrase: str) -> int:
    total = current = 0
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total, current = total + max(current, 1) * 1000, 0
    return total + current


def words_to_numbers(text: str) -> str:
    """``x equals two`` → ``x equals 2``; ``one half`` → ``1/2``; ``negative three`` → ``-3``."""
    text = _NUMBER_PHRASE.sub(lambda m: str(_phrase_value(m.group(0))), text)
    text = _FRACTION_PHRASE.sub(
        lambda m: f"{1 if m.group('num').lower() in ('a', 'an') else m.group('num')}/{_DENOMINATORS[m.group('den').lower()]}", text
    )
    text = _POINT.sub(lambda m: m.group(1) + "." + re.sub(r"\s", "", m.group(2)), text)
    return _SIGN.sub("-", text)


# -- candidates ----------------------------------------------------------------
_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n+")
_STATING = re.compile(
    r"(?:\b(?:is|are|was|equals?|equal\s+to|be|get|gets|got|getting|gives?|giving|makes?|becomes?|comes?\s+to"
    r"|works?\s+out\s+(?:to|as)|answer|result|solution|value)\b\s*(?::|=)?|=|:)\s*$",
    re.I,
)
_VALUE = r"[-+]?\s*\d+(?:\.\d+)?(?:\s*/\s*\d+)?\s*%?"
_STATED_VALUE = re.compile(
    r"(?:\b(?:is|are|was|equals?|equal\s+to|be|get|gets|got|gives?|giving|makes?|becomes?|comes?\s+to"
    r"|works?\s+out\s+(?:to|as)|answer|result|solution|value)\b\s*(?::|=)?|=)\s*(?P<value>" + _VALUE + r")(?!\w|\.\d)",
    re.I,
)
_ATOM = r"(?:\d+(?:\.\d+)?[a-zA-Z]?|\b[a-zA-Z]\b)"
_MATH_RUN = re.compile(
    rf"[-+(]*\s*{_ATOM}\)*(?:\s*(?:[-+*/^=<>≤≥×÷·]|<=|>=)\s*[-+(]*\s*{_ATOM}\)*)+"
)


@dataclass
class _Sentence:
    start: int
    end: int
    candidates: list[tuple[str, str]]


def _inside(regions: list[tuple[int, int]], pos: int) -> bool:
    """Is ``pos`` strictly inside one of the sorted, disjoint ``regions``?"""
    i = bisect.bisect_right(regions, (pos, float("inf"))) - 1
    return i >= 0 and regions[i][0] < pos < regions[i][1]


def _protected(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, content) of boxed answers and maths spans, sorted; a box may sit in a span."""
    spans: list[tuple[int, int, str, str]] = []
    for m in _BOX.finditer(text):
        if len(spans) >= MAX_BOXES or (spans and m.start() < spans[-1][1]):
            continue
        inner = _braced(text, m.end() - 1)
        if inner is not None:
            spans.append((m.start(), m.end() + len(inner) + 1, "value", inner.strip()))
    for m in _SPAN.finditer(text):
        content = next(g for g in m.groups() if g is not None)
        spans.append((m.start(), m.end(), "fragment", content))
    return sorted(spans)


def _regions(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int]]:
    """The spans merged into sorted, disjoint (start, end) regions."""
    merged: list[tuple[int, int]] = []
    for start, end, _, _ in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _sentences(text: str) -> list[_Sentence]:
    spans = _protected(text)
    regions = _regions(spans)
    cuts = [0] + [m.end() for m in _BOUNDARY.finditer(text) if not _inside(regions, m.start())] + [len(text)]
    sentences, k = [], 0
    for start, end in zip(cuts, cuts[1:]):
        first = k
        while k < len(spans) and spans[k][0] < end:
            k += 1
        if start < end:
            sentences.append(_Sentence(start, end, _candidates(text, start, end, spans[first:k])))
    return sentences


def _candidates(text: str, start: int, end: int, spans: list) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    prose_parts, pos = [], start
    for s, e, kind, content in spans:
        before = words_to_numbers(text[pos:s]) if s > pos else ""
        prose_parts.append(before)
        out.append((kind, content))
        if kind == "fragment" and _STATING.search(before):
            out.append(("value", content))
        pos = max(pos, e)
    prose_parts.append(words_to_numbers(text[pos:end]))
    prose = " ; ".join(prose_parts)
    out += [("value", m.group("value")) for m in _STATED_VALUE.finditer(prose)]
    out += [("fragment", m.group(0)) for m in _MATH_RUN.finditer(prose) if re.search(r"[=<>≤≥]", m.group(0))]
    return out


def _normal(text: str) -> str:
    return re.sub(r"\s|\$|\\boxed|[{}]|\\left|\\right|\\,", "", text).lower()


def _first_leak(candidates: list[tuple[str, str]], final_answer: str, timeout: float) -> int | None:
    """Index of the first candidate stating the answer; raises on pool failure."""
    out = pool.run("leaks", (candidates, final_answer), timeout)
    if out["readable"]:
        return out["index"]
    target = _normal(final_answer)
    for i, (_, text) in enumerate(candidates):
        norm = _normal(text)
        if norm == target or norm.endswith("=" + target):
            return i
    return None


def screen_hint(text: str, final_answer: str, timeout: float = 2.0) -> Screened:
    """The hint cut before its first sentence that states ``final_answer``.

    Never raises; returns within about ``timeout`` seconds (one pool call).
    """
    if not isinstance(text, str) or not isinstance(final_answer, str) or not final_answer.strip():
        return Screened(text if isinstance(text, str) else "", False)
    clipped = text[:MAX_HINT_CHARS]
    sentences = _sentences(clipped)
    owner: list[int] = []
    candidates: list[tuple[str, str]] = []
    screened = len(sentences)
    for i, sentence in enumerate(sentences):
        if len(candidates) + len(sentence.candidates) > MAX_CANDIDATES:
            screened = i  # the rest is not examined, so it is not shown
            break
        candidates += sentence.candidates
        owner += [i] * len(sentence.candidates)
    if candidates:
        try:
            index = _first_leak(candidates, final_answer, timeout)
        except Exception:  # no verdict in time: fail closed, before the first sentence with any statement
            index = 0
        if index is not None:
            return Screened(clipped[: sentences[owner[index]].start].rstrip(), True)
    if screened < len(sentences):
        return Screened(clipped[: sentences[screened].start].rstrip(), True)
    return Screened(clipped, False)
