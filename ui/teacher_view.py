"""What the teacher page shows, as values: transcript HTML, tables, plots. No Gradio here.

Model and student text is untrusted: Markdown goes through `render_html` (raw HTML off,
unsafe links dropped, math left as escaped text for KaTeX with ``trust: false``); every
other string is escaped with `html.escape`.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import matplotlib

matplotlib.use("Agg")  # no display; figures are rendered to images
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tutor.teaching.flags import LABELS, AttemptStatus
from tutor.teaching.review import (
    FlagListing,
    Progress,
    SessionSummary,
    StudentSummary,
    Transcript,
)
from ui.math_markdown import formula_ok, render_html

MAX_CELL = 120
MAX_LINES = 6
"""Students drawn one line each in the progress-over-time plot; the rest are in the class line."""

TRANSCRIPT_CSS = """
.transcript { max-width: 60rem; }
.transcript .entry { border-top: 1px solid #d1d5db; padding: .5rem 0 1rem; }
.transcript .flags { list-style: none; padding: 0; }
.transcript .flag { border-left: 4px solid #dc2626; padding: .25rem .5rem; margin: .25rem 0; background: #fef2f2; }
.transcript .flag.reviewed { border-color: #9ca3af; background: #f3f4f6; }
.transcript details.reasoning { background: #f9fafb; padding: .25rem .75rem; border-radius: 6px; }
.transcript .final {
  border: 2px solid #16a34a; border-radius: 8px; padding: .25rem 1rem; background: #f0fdf4; display: inline-block;
}
.transcript table.attempts { border-collapse: collapse; }
.transcript table.attempts td, .transcript table.attempts th {
  border: 1px solid #d1d5db; padding: .2rem .5rem; text-align: left;
}
.transcript .verdict-correct { color: #15803d; font-weight: 600; }
.transcript .verdict-wrong { color: #b91c1c; font-weight: 600; }
"""


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def clip(text: str, limit: int = MAX_CELL) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def flag_label(kind: str) -> str:
    return LABELS.get(kind, kind)


def percent(correct: int, attempts: int) -> str:
    return f"{100 * correct / attempts:.0f}%" if attempts else "–"


# -- tables ---------------------------------------------------------------------------------


def overview_frame(rows: list[StudentSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Student": clip(r.name, 60),
                "Open flags": r.open_flags,
                "Sessions": r.sessions,
                "Questions": r.questions,
                "Answers checked": r.attempts,
                "Correct": r.correct,
                "Correct rate": percent(r.correct, r.attempts),
                "Last active": when(r.last_active_at),
            }
            for r in rows
        ],
        columns=[
            "Student",
            "Open flags",
            "Sessions",
            "Questions",
            "Answers checked",
            "Correct",
            "Correct rate",
            "Last active",
        ],
    )


def session_choice(s: SessionSummary) -> tuple[str, int]:
    mark = f"⚑{s.open_flags} " if s.open_flags else ""
    return f"{mark}#{s.session_id} · {clip(s.student_name, 40)} · {clip(s.title, 60)}", s.session_id


def sessions_frame(rows: list[SessionSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Session": s.session_id,
                "Student": clip(s.student_name, 60),
                "First question": clip(s.title),
                "Questions": s.questions,
                "Open flags": s.open_flags,
                "Last activity": when(s.updated_at),
            }
            for s in rows
        ],
        columns=["Session", "Student", "First question", "Questions", "Open flags", "Last activity"],
    )


def flags_frame(rows: list[FlagListing]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Flag": r.flag.id,
                "Status": "reviewed" if r.flag.reviewed else "open",
                "Kind": flag_label(r.flag.kind),
                "Student": clip(r.student_name, 60),
                "Session": r.session_id,
                "Question": clip(r.question),
                "Detail": clip(r.flag.detail),
                "Raised": when(r.flag.created_at),
                "Note": clip(r.flag.note or ""),
            }
            for r in rows
        ],
        columns=["Flag", "Status", "Kind", "Student", "Session", "Question", "Detail", "Raised", "Note"],
    )


def missed_frame(progress: Progress) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Question": clip(m.question),
                "Wrong answers": m.wrong,
                "Answers checked": m.attempts,
                "Students": m.students,
            }
            for m in progress.most_missed
        ],
        columns=["Question", "Wrong answers", "Answers checked", "Students"],
    )


# -- transcript -------------------------------------------------------------------------------


def _md(text: str) -> str:
    return render_html(text or "")


def transcript_html(t: Transcript | None) -> str:
    if t is None:
        return '<p class="transcript-empty">Pick a session to read its transcript.</p>'
    e = html.escape
    out = [
        '<article class="transcript">',
        f"<h2>Session #{t.session.id}: {e(clip(t.session.title, 80))}</h2>",
        f'<p class="meta">{e(t.student_name)} · started {when(t.session.created_at)} · mode {e(t.session.mode)}</p>',
    ]
    for n, entry in enumerate(t.entries, 1):
        m = entry.message
        out.append(f'<section class="entry" data-message-id="{m.id}">')
        out.append(f'<h3>Question {n}</h3><div class="question">{_md(m.question)}</div>')
        out.append(
            f'<p class="meta">Asked {when(m.created_at)} · reply {e(m.status)} · model {e(clip(m.model_id, 80))}</p>'
        )
        if entry.flags:
            out.append('<ul class="flags">')
            for f in entry.flags:
                state = f"reviewed {when(f.reviewed_at)}" if f.reviewed else "open"
                note = f" — note: {e(f.note)}" if f.note else ""
                css = "flag reviewed" if f.reviewed else "flag"
                out.append(
                    f'<li class="{css}">⚑ Flag #{f.id} · {e(flag_label(f.kind))}: {e(f.detail)} ({state}){note}</li>'
                )
            out.append("</ul>")
        if m.reasoning:
            out.append(f'<details class="reasoning"><summary>Thinking</summary>{_md(m.reasoning)}</details>')
        if m.hidden_solution:  # Hint / Coach me: the teacher sees the private work the student never did
            out.append(
                '<details class="reasoning"><summary>Worked out privately (not shown to the student)'
                f"</summary>{_md(m.hidden_solution)}</details>"
            )
        out.append(
            f"<h4>Solution</h4><div "
            f'class="solution">{_md(m.solution) if m.solution else "<p><em>(no reply saved)</em></p>"}</div>'
        )
        if m.error:
            out.append(f'<p class="error">Error: {e(m.error)}</p>')
        answer = m.checked_against  # the shown answer, else the hidden reference (Hint / Coach me, practice)
        if answer:
            tex = e(answer)  # past formula_ok's bounds: text, not KaTeX (issue 11 row 13)
            shown = f'<span class="math-inline">{tex}</span>' if formula_ok(answer) else f"<code>{tex}</code>"
            out.append(f'<p>Final answer: <span class="final">{shown}</span></p>')
        if entry.attempts:
            out.append(
                '<table class="attempts"><caption>Answer '
                "attempts</caption><thead><tr><th>Checked</th><th>Answer</th><th>Verdict</th><th>Feedback</th></tr></thead><tbody>"
            )
            for a in entry.attempts:
                verdict = (
                    "Correct"
                    if a.correct
                    else ("Not quite" if a.status == AttemptStatus.INCORRECT else a.status.capitalize())
                )
                css = "verdict-correct" if a.correct else "verdict-wrong"
                out.append(
                    f"<tr><td>{when(a.created_at)}</td><td><code>{e(clip(a.answer, 300))}</code></td>"
                    f'<td class="{css}">{e(verdict)}</td><td>{e(a.feedback)}</td></tr>'
                )
            out.append("</tbody></table>")
        else:
            out.append('<p class="meta">No answers checked.</p>')
        out.append("</section>")
    out.append("</article>")
    return "\n".join(out)


# -- plots ------------------------------------------------------------------------------------


def _label(text: str, limit: int) -> str:
    """Untrusted text as a matplotlib label: ``$`` would start mathtext (and can raise), so it
    becomes the look-alike U+FF04."""
    return clip(text, limit).replace("$", "\uff04")


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.subplots()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#6b7280")
    ax.set_axis_off()
    return fig


def _overall(points) -> float:
    attempts = sum(p.attempts for p in points)
    return sum(p.correct for p in points) / attempts if attempts else 1.0


def rate_over_time_plot(progress: Progress, class_progress: Progress | None = None) -> Figure:
    """The class line, and one line per student: all of them when few, else the ones with the
    lowest overall rate (those a teacher looks for). `class_progress`: the whole class, when
    `progress` is narrowed to one student."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    if not progress.class_daily:
        return _empty(fig, "No answers checked yet")
    ax = fig.subplots()
    lowest = sorted(progress.by_student, key=lambda name: (_overall(progress.by_student[name]), name))[:MAX_LINES]
    title = "Correct rate over time"
    if len(progress.by_student) > MAX_LINES:
        title += f" — class, and the {MAX_LINES} students with the lowest rate"
    for name in lowest:
        pts = progress.by_student[name]
        # matplotlib takes dates through its unit converters; its stubs list only numbers
        ax.plot(
            [p.day for p in pts],  # type: ignore[arg-type]
            [100 * p.rate for p in pts],
            marker="o",
            linewidth=1,
            alpha=0.7,
            label=_label(name, 24),
        )
    daily = (class_progress or progress).class_daily
    ax.plot(
        [p.day for p in daily],  # type: ignore[arg-type]  # dates, as above
        [100 * p.rate for p in daily],
        color="black",
        linewidth=2.5,
        label="Class",
    )
    first, last = daily[0].day, daily[-1].day
    if (last - first).days < 2:  # a single day would otherwise span years of empty axis
        ax.set_xlim(first - timedelta(days=1), last + timedelta(days=1))  # type: ignore[arg-type]  # dates, as above
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_ylim(-5, 105)
    ax.set_ylabel("answers correct (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.autofmt_xdate()
    return fig


def topic_plot(progress: Progress, who: str = "Class") -> Figure:
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    rows = [(topic, counts[who]) for topic, counts in progress.by_topic.items() if who in counts]
    if not rows:
        return _empty(fig, "No answers checked yet")
    rows.sort(key=lambda r: r[1][1] / r[1][0])
    ax = fig.subplots()
    labels = [_label(t, 40) for t, _ in rows]
    rates = [100 * c / n for _, (n, c) in rows]
    bars = ax.barh(labels, rates, color="#2563eb")
    for bar, (_, (n, c)) in zip(bars, rows):
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{c}/{n}", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("answers correct (%)")
    ax.set_title(f"Correct rate per topic — {_label(who, 40)}")
    return fig


def missed_plot(progress: Progress) -> Figure:
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    if not progress.most_missed:
        return _empty(fig, "No wrong answers yet")
    ax = fig.subplots()
    rows = list(reversed(progress.most_missed))
    ax.barh([_label(m.question, 50) for m in rows], [m.wrong for m in rows], color="#dc2626")
    ax.set_xlabel("wrong answers")
    ax.set_title("Most-missed questions")
    locator = ax.xaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
        locator.set_params(integer=True)
    return fig
