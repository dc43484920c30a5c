"""Find the final answer a model wrote as ``\\boxed{...}``.

Models put ``\\boxed{}`` anywhere in a sentence and sometimes more than once; the
last complete one is the final answer. Braces nest (``\\boxed{\\frac{1}{2}}``), so a
regex is not enough. ``\\fbox{}`` and the brace-less ``\\boxed 5`` count too.
"""

from __future__ import annotations

import re

_BOX = re.compile(r"\\(?:boxed|fbox)\s*")
MAX_SCAN = 200_000
"""Characters of model output searched; a longer reply is searched in its tail."""


def braced(text: str, start: int) -> str | None:
    """Content of the brace group opening at ``text[start] == '{'``; None if unclosed."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "\\":
            continue
        if ch == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return None


def all_boxed(text: str) -> list[str]:
    """Every complete boxed answer in order of appearance."""
    text = text[-MAX_SCAN:]
    found: list[str] = []
    for m in _BOX.finditer(text):
        i = m.end()
        if i < len(text) and text[i] == "{":
            inner = braced(text, i)
            if inner is not None:
                found.append(inner.strip())
        elif m.group(0).startswith("\\boxed") and m.end() > m.start() + len("\\boxed"):
            # "\boxed 5": a single token after whitespace
            tok = re.match(r"[^\s$.,;]+", text[i:])
            if tok:
                found.append(tok.group(0))
    return found


def last_boxed(text: str) -> str | None:
    """The final answer: the last complete ``\\boxed{}``, or None when there is none."""
    found = all_boxed(text)
    return found[-1] if found else None
