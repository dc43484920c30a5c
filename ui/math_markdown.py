"""Make a model's Markdown + LaTeX safe and stable for KaTeX, which sees only ``$$`` and ``$``.

``\\(…\\)`` becomes ``$…$`` and ``\\[…\\]`` becomes ``$$…$$`` on its own lines. A dollar that
does not open math is escaped as ``\\$``, by pandoc's rule: an opening ``$`` is followed by
a non-space, a closing one preceded by a non-space and not followed by a digit; a ``$``
before a price ("$5 each", "$5-$10") is currency outright. Math never crosses a blank
line, which also bounds what a stream can hide: while streaming, an unclosed span at the
end (``$…``, ``\\[…``, ``\\boxed{…``) is held back, so KaTeX never flashes a half formula;
once generation has ended it is escaped and shows as text. Code spans and fences pass
through untouched. Each scan is memoised per paragraph, so the work is linear in the input.

Untrusted text (issue 11, rows 13 and 14):

* a formula longer than ``MAX_FORMULA_CHARS``, nested deeper than ``MAX_FORMULA_DEPTH``
  (``{…}``, ``\\left…\\right``, ``\\begin…\\end``), or defining macros (``\\def``,
  ``\\newcommand``…, which expand into unbounded nesting) is written as a code span, so it
  shows as text and never reaches KaTeX: 200 nested ``\\sqrt{`` (1.4 KB) built a DOM deep
  enough to kill Chromium's renderer;
* no Markdown image and no link is rendered. For Gradio (``delimiters="brackets"``, the
  student page, rendered in the browser by marked with GFM) the syntax is defused in the
  text itself: ``[ ] < @`` and the ``:`` of ``://`` become character references and ``www.``
  loses its dot, so marked makes no image, link, autolink or raw HTML of them and shows the
  characters as typed; `render_html` (the teacher's transcripts) renders links as their text
  followed by the address in brackets, and images as ``[image: alt (address)]``.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

MAX_CHARS = 200_000
TRUNCATED_NOTE = "\n\n*[Output truncated at 200,000 characters.]*"

_BLANK = re.compile(r"\n[ \t]*\n")
_PLAIN = re.compile(r"[^`$\\\n]+|\n")
_FENCE = re.compile(r"[ \t]*+(`{3,}|~{3,})")
_TICKS = re.compile(r"`+")
_MONEY = re.compile(r"\$\d++(?:,\d{3})*+(?:\.\d+)?+(?=[.,;:!?)]?(?:\s++[A-Za-z]{2}|[ \t]*+\n|[-–]\$))")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_INDENT = re.compile(r"[ \t]*")


def _always(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str]:
    """``pattern.match`` where it cannot fail (``_INDENT`` matches the empty string; the callers of
    ``_PLAIN`` and ``_TICKS`` stand on a character those match)."""
    m = pattern.match(text, pos)
    assert m is not None, pattern.pattern
    return m


_BARE_DOLLAR = re.compile(r"\\.|\$", re.S)
_BRACES = re.compile(r"\\.|[{}]", re.S)
_CLOSERS = {c: re.compile(r"\\.|" + re.escape(c), re.S) for c in ("$", "$$", "\\)", "\\]")}
_BOXED = "\\boxed"

MAX_FORMULA_CHARS = 4000
"""A longer formula is shown as text. Worked solutions' longest aligned blocks are ~1 KB."""
MAX_FORMULA_DEPTH = 20
"""Brace / ``\\left`` / ``\\begin`` levels; school maths needs fewer than 10."""
_NESTING = re.compile(r"\\(?:left|begin)(?![a-zA-Z])|\\(?:right|end)(?![a-zA-Z])|\\.|[{}]", re.S)
_MACRO_DEFINITION = re.compile(
    r"\\(?:[gex]?def|let|futurelet|(?:re)?newcommand|providecommand|newenvironment|renewenvironment|DeclareMathOperator|global|expandafter)(?![a-zA-Z])"
)
_DEFUSE = re.compile(r"[\[\]<@]|://|(?i:www)\.")
_ENTITIES = {"[": "&#91;", "]": "&#93;", "<": "&lt;", "@": "&#64;", "://": "&#58;//"}


def formula_ok(tex: str) -> bool:
    """May this LaTeX go to KaTeX? No when longer than ``MAX_FORMULA_CHARS``, nested deeper
    than ``MAX_FORMULA_DEPTH`` or defining a macro. Linear in ``len(tex)``."""
    if len(tex) > MAX_FORMULA_CHARS or _MACRO_DEFINITION.search(tex):
        return False
    depth = 0
    for m in _NESTING.finditer(tex):
        token = m.group()
        if token == "{" or token in ("\\left", "\\begin"):
            depth += 1
            if depth > MAX_FORMULA_DEPTH:
                return False
        elif token == "}" or token in ("\\right", "\\end"):
            depth = max(0, depth - 1)
    return True


def code_span(text: str) -> str:
    """``text`` as a Markdown code span: shown as typed, never math, links or HTML."""
    text = " ".join(text.split())
    ticks = "`" * (max((len(r) for r in _TICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _defuse(text: str) -> str:
    """Plain text for marked (GFM): no image, link, autolink or raw HTML can start in it."""
    return _DEFUSE.sub(lambda m: _ENTITIES.get(m.group(), "www&#46;"), text)


def _tidy(body: str) -> str:
    """Math body: trimmed, bare ``$`` escaped, no dangling ``\\`` that would eat the closer."""
    body = _BARE_DOLLAR.sub(lambda m: "\\$" if m.group() == "$" else m.group(), body).strip()
    while (len(body) - len(body.rstrip("\\"))) % 2:
        body = body[:-1].rstrip()
    return body


_DELIMITERS = {"dollars": ("$", "$", "$$", "$$"), "brackets": ("\\(", "\\)", "\\[", "\\]")}


class _Scanner:
    def __init__(self, text: str, streaming: bool, delimiters: str = "dollars") -> None:
        self.t, self.streaming = text, streaming
        self.delims = _DELIMITERS[delimiters]
        self.defuse = delimiters == "brackets"  # for marked in the browser; markdown-it has render rules
        self.out: list[str] = []
        self.pend = -1  # end of the current paragraph (next blank line or end of text)
        self.failed: dict[Any, int] = {}  # closer -> paragraph end where a search found none
        self.braces: dict[int, int] = {}
        self.braces_for = -1

    def run(self) -> str:
        t = self.t
        i: int | None = 0
        while i is not None and i < len(t):
            if i >= self.pend:
                m = _BLANK.search(t, i)
                self.pend = m.start() if m else len(t)
            fence = (i == 0 or t[i - 1] == "\n") and _FENCE.match(t, i)
            if fence:
                i = self._fence(fence)
            elif t[i] == "`":
                i = self._code_span(i)
            elif t[i] == "$":
                i = self._dollar(i)
            elif t[i] == "\\":
                i = self._backslash(i)
            else:
                m = _always(_PLAIN, t, i)
                self.out.append(_defuse(m.group()) if self.defuse else m.group())
                i = m.end()
        return "".join(self.out)

    def _pending(self) -> bool:
        """An unclosed span may still close: hide the rest of this (last) paragraph."""
        return self.streaming and self.pend == len(self.t)

    def _find(self, start: int, closer: str) -> int:
        if self.failed.get(closer) == self.pend:
            return -1
        for m in _CLOSERS[closer].finditer(self.t, start, self.pend):
            if m.group() == closer:
                return m.start()
        self.failed[closer] = self.pend
        return -1

    def _fence(self, m: re.Match[str]) -> int:
        run = m.group(1)
        line_end = self.t.find("\n", m.end())
        closing = re.compile(rf"^[ \t]*{re.escape(run[0])}{{{len(run)},}}[ \t]*$", re.M)
        c = closing.search(self.t, line_end) if line_end >= 0 else None
        end = c.end() if c else len(self.t)
        self.out.append(self.t[m.start() : end])
        return end

    def _code_span(self, i: int) -> int:
        n = len(_always(_TICKS, self.t, i).group())
        key = ("`", n)
        c = None
        if self.failed.get(key) != self.pend:
            c = re.compile(rf"(?<!`)`{{{n}}}(?!`)").search(self.t, i + n, self.pend)
            if not c:
                self.failed[key] = self.pend
        end = c.end() if c else i + n
        self.out.append(self.t[i:end])
        return end

    def _dollar(self, i: int) -> int | None:
        t = self.t
        if t.startswith("$$", i):
            j = self._find(i + 2, "$$")
            if j >= 0 and _tidy(t[i + 2 : j]):
                return self._display(t[i + 2 : j], j + 2)
            if j < 0 and self._pending():
                return None
            self.out.append("\\$\\$")
            return i + 2
        if _MONEY.match(t, i) or t[i + 1 : i + 2].isspace():
            self.out.append("\\$")
            return i + 1
        j = self._find(i + 1, "$") if i + 1 < len(t) else -1
        if (j < 0 or j + 1 == len(t)) and self._pending():
            return None  # no closer yet, or one whose next character is still unknown
        if j >= 0 and not t[j - 1].isspace() and not t[j + 1 : j + 2].isdigit():
            return self._inline(t[i + 1 : j], j + 1)
        self.out.append("\\$")
        return i + 1

    def _backslash(self, i: int) -> int | None:
        t = self.t
        if self.streaming and len(t) - i < 8 and "\\boxed{".startswith(t[i:]):
            return None  # a trailing "\", "\bo": a delimiter may be arriving
        two = t[i : i + 2]
        if two in ("\\(", "\\["):
            j = self._find(i + 2, "\\)" if two == "\\(" else "\\]")
            if j >= 0:
                handler = self._inline if two == "\\(" else self._display
                return handler(t[i + 2 : j], j + 2)
            if self._pending():
                return None
            self.out.append("\\" + two)  # "\\(" shows the backslash as text
            return i + 2
        if t.startswith(_BOXED, i):
            return self._bare_boxed(i)
        self.out.append(two)
        return i + 2

    def _bare_boxed(self, i: int) -> int | None:
        """``\\boxed{…}`` outside math would show as source; wrap it as inline math."""
        k = _always(_INDENT, self.t, i + len(_BOXED)).end()
        if k == len(self.t) and self._pending():
            return None
        if k < len(self.t) and self.t[k] == "{":
            close = self._matching_brace(k)
            if close >= 0:
                return self._inline(self.t[i : close + 1], close + 1)
            if self._pending():
                return None
        self.out.append(_BOXED)
        return i + len(_BOXED)

    def _matching_brace(self, k: int) -> int:
        if self.braces_for != self.pend:  # once per paragraph, from a token boundary
            self.braces, self.braces_for, stack = {}, self.pend, []
            for m in _BRACES.finditer(self.t, k, self.pend):
                if m.group() == "{":
                    stack.append(m.start())
                elif m.group() == "}" and stack:
                    self.braces[stack.pop()] = m.start()
        return self.braces.get(k, -1)

    def _inline(self, body: str, end: int) -> int:
        body = _tidy(body)
        if body and not formula_ok(body):
            self.out.append(code_span(body))
        elif body:
            gap = " " if self.delims[1] == "$" and self.t[end : end + 1].isdigit() else ""  # "$x$5" would not close
            self.out.append(f"{self.delims[0]}{body}{self.delims[1]}{gap}")
        return end

    def _display(self, body: str, end: int) -> int:
        body = _tidy(body)
        if not body:
            return end
        if not formula_ok(body):
            self.out.append(code_span(body))
            return end
        line = self._line_so_far()
        if line.strip():
            self.out[-1] = self.out[-1].rstrip(" \t")
            item = _LIST_ITEM.match(line)
            indent = " " * item.end() if item else _always(_INDENT, line).group()
            self.out.append("\n" + indent)
        else:
            indent = line
        self.out.append(f"{self.delims[2]}\n{indent}{body}\n{indent}{self.delims[3]}")
        after = _always(_INDENT, self.t, end).end()
        if after < len(self.t) and self.t[after] != "\n":
            self.out.append("\n" + indent)
            return after
        return end

    def _line_so_far(self) -> str:
        parts = []
        for piece in reversed(self.out):
            k = piece.rfind("\n")
            parts.append(piece[k + 1 :])
            if k >= 0:
                break
        return "".join(reversed(parts))


def prepare_markdown(text: str, *, streaming: bool, delimiters: str = "dollars") -> str:
    """Markdown whose math is all ``$…$`` / ``$$…$$`` and whose other dollars are escaped.

    ``delimiters="brackets"`` writes ``\\(…\\)`` / ``\\[…\\]`` instead, for Gradio: its
    Markdown finds math with a plain regex that ignores ``\\$``, so with ``$`` delimiters
    "costs \\$5 and \\$7" would still render "5 and " as math.
    """
    note = TRUNCATED_NOTE if len(text) > MAX_CHARS else ""
    return _Scanner(text[:MAX_CHARS], streaming, delimiters).run() + note


def final_answer_markdown(answer_latex: str, delimiters: str = "dollars") -> str:
    """The highlighted final answer as display math (no ``\\boxed``; the box is CSS)."""
    body = _tidy(_BLANK.sub("\n", answer_latex))
    if body and not formula_ok(body):
        return code_span(body)
    _, _, open_, close = _DELIMITERS[delimiters]
    return f"{open_}\n{body}\n{close}" if body else ""


# --- server-side HTML ------------------------------------------------------------------

_UNSAFE_LINK = re.compile(r"(?:javascript|vbscript|data|file):", re.I)


def _safe_link(url: str) -> bool:
    return not _UNSAFE_LINK.match(re.sub(r"[\x00-\x20]", "", url))


def _math_inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "$" or src.startswith("$$", pos):
        return False
    for m in _CLOSERS["$"].finditer(src, pos + 1, state.posMax):
        if m.group() == "$":
            if not silent:
                state.push("math_inline", "span", 0).content = src[pos + 1 : m.start()]
            state.pos = m.end()
            return True
    return False


def _math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A ``$$`` line, body lines, a ``$$`` line: the shape ``prepare_markdown`` writes."""

    def line(n: int) -> str:
        return state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]].strip()

    if state.sCount[start] - state.blkIndent >= 4 or line(start) != "$$":
        return False
    close = start + 1
    while close < end and line(close) not in ("$$", ""):
        close += 1
    if close >= end or line(close) != "$$":
        return False
    if not silent:
        token = state.push("math_display", "div", 0)
        token.block, token.map = True, [start, close + 1]
        token.content = state.getLines(start + 1, close, state.blkIndent, False).strip()
    state.line = close + 1
    return True


def _links_as_text(state: StateCore) -> None:
    """Core rule: every link becomes its text followed by `` (address)`` as plain text, every
    image ``[image: alt (address)]``, so opening a transcript fetches nothing and no click leaves the page."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        opened: list[tuple[str, int]] = []  # (href, where its text starts in out)
        for tok in block.children:
            if tok.type == "link_open":
                opened.append((str(tok.attrGet("href") or ""), len(out)))
                continue
            if tok.type == "link_close":
                href, start = opened.pop() if opened else ("", len(out))
                shown = "".join(t.content for t in out[start:] if t.type in ("text", "code_inline"))
                if href and tok.markup != "autolink" and shown != href:
                    out.append(_text(state, f" ({href})"))
                continue
            if tok.type == "image":
                src = str(tok.attrGet("src") or "")
                out.append(_text(state, f"[image: {tok.content} ({src})]" if tok.content else f"[image ({src})]"))
                continue
            out.append(tok)
        block.children = out


def _text(state: StateCore, content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _build_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    # markdown-it's default lets data:image/png through; replacing the method on the instance is how
    # markdown-it-py's docs say to change it, which its types do not allow for
    md.validateLink = _safe_link  # type: ignore[method-assign]
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.block.ruler.before("fence", "math_block", _math_block, {"alt": ["paragraph", "blockquote", "list"]})
    md.core.ruler.push("links_as_text", _links_as_text)
    md.add_render_rule(
        "math_inline", lambda self, tokens, idx, options, env: _math_html(tokens[idx].content, "span", "math-inline")
    )
    md.add_render_rule(
        "math_display",
        lambda self, tokens, idx, options, env: _math_html(tokens[idx].content, "div", "math-display") + "\n",
    )
    return md


def _math_html(tex: str, tag: str, css: str) -> str:
    """Math for KaTeX, or (past the bounds of `formula_ok`) escaped text in ``<code>``."""
    if not formula_ok(tex):
        return f"<code>{escapeHtml(tex)}</code>"
    return f'<{tag} class="{css}">{escapeHtml(tex)}</{tag}>'


_RENDERER = _build_renderer()


def render_html(text: str) -> str:
    """HTML with math left as escaped LaTeX (no delimiters) in ``span.math-inline`` and
    ``div.math-display``, for the page to render with KaTeX. The page must keep KaTeX's
    ``trust: false``, or ``\\href{javascript:…}`` and ``\\htmlData`` inside math come alive."""
    return _RENDERER.render(prepare_markdown(text, streaming=False))


KATEX_DELIMITERS: list[dict[str, str | bool]] = [
    {"left": "\\[", "right": "\\]", "display": True},
    {"left": "\\(", "right": "\\)", "display": False},
]
"""Gradio's ``latex_delimiters`` for every maths-showing component of the student page: brackets
only. Gradio finds ``$`` math with a regex blind to ``\\$``, so prices ("costs $5 and $7")
would turn into math; ``prepare_markdown(..., delimiters="brackets")`` writes all math this way."""
