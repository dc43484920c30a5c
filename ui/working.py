"""The "Check my working" tab: adapts ``tutor.teaching.practice_service.check_working`` to Gradio.

``build_working_tab(checker, identity)`` is called inside ``with gr.Tab("Check my working"):`` of the
student page. Each line is shown as the checker read it (LaTeX the checker wrote, rendered
by KaTeX); a line it could not read is shown as literal code, so the student's own text
never reaches Markdown, HTML or KaTeX.
"""

from __future__ import annotations

import gradio as gr

from tutor.checking.step_check import MAX_WORKING_CHARS, WorkingReport
from tutor.teaching.practice_service import WorkingChecker
from ui.math_markdown import KATEX_DELIMITERS, prepare_markdown

SHOWN_LINE_CHARS = 120
MARKS = {"ok": "✓", "wrong": "✗", "unreadable": "?", "": "·"}
CHECKS_AT_ONCE = 4
"""Working checks running together (each may use the checker pool for up to 15 s)."""


def literal_code(text: str) -> str:
    """``text`` as a Markdown code span: shown as typed, never parsed (KaTeX skips <code>)."""
    text = " ".join(text.split())
    if len(text) > SHOWN_LINE_CHARS:
        text = text[: SHOWN_LINE_CHARS - 1] + "…"
    longest = current = 0
    for ch in text:
        current = current + 1 if ch == "`" else 0
        longest = max(longest, current)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def report_markdown(report: WorkingReport) -> str:
    """The lines numbered, ✓ for each that follows, ✗ on the first that does not, then the message."""
    rows = []
    for i, line in enumerate(report.lines, start=1):
        shown = f"\\({line.latex}\\)" if line.latex else literal_code(line.text)
        note = {"wrong": " ← **first wrong step**", "unreadable": " ← **could not read this line**"}.get(line.mark, "")
        rows.append(f"{i}. **{MARKS[line.mark]}** {shown}{note}")
    verdict = "✓" if report.ok else "✗"
    message = prepare_markdown(report.message, streaming=False, delimiters="brackets")
    body = "\n".join(rows)
    return f"{body}\n\n**{verdict}** {message}" if body else message


def build_working_tab(checker: WorkingChecker, identity: gr.BrowserState) -> None:
    """``identity`` keys ``checker``'s per-student limit on checks; working is not stored."""
    gr.Markdown(
        "Write your working one step per line. The tutor finds the first line that does not follow from the line "
        "before."
    )
    working = gr.Textbox(
        label="Your working",
        lines=6,
        max_lines=30,
        max_length=MAX_WORKING_CHARS,
        placeholder="2x + 3 = 7\n2x = 4\nx = 2",
    )
    check = gr.Button("Check my working", variant="primary")
    report = gr.Markdown(latex_delimiters=KATEX_DELIMITERS, elem_id="working-report", elem_classes="card")

    def on_check(text: str, state: dict | None):
        token = state.get("token") if isinstance(state, dict) else None
        return report_markdown(checker.check(token if isinstance(token, str) else None, text or ""))

    check.click(
        on_check,
        inputs=[working, identity],
        outputs=report,
        concurrency_limit=CHECKS_AT_ONCE,
        api_visibility="undocumented",
    )
