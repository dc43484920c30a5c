"""The hint screen on MRBench's human labels: does the tutor reply reveal the answer?

Rows: ``pedagogy_dev.jsonl`` with ``"task": "leak_screen"`` (MRBench V1, real tutor
replies to MathDial/GSM8K-style dialogues). The labellers' question is "does the
reply reveal the answer", with three values:

* ``yes_correct`` ("Yes (and the answer is correct)"): **positive** — the reply
  gives away the reference answer, which is what the screen must cut;
* ``yes_incorrect`` ("Yes (but the answer is incorrect)"): **negative** — the reply
  states *an* answer, but a wrong one, so the reference is not given away (the
  screen compares with the reference); reported separately as well;
* ``no``: negative.

Measured: ``screen_hint(response, reference).leaked`` without the dialogue and with
``context=conversation_history``; precision, recall and counts; each false negative
and false positive (with context) is listed.
"""

from __future__ import annotations

from pathlib import Path

from external import Section, read_jsonl
from tutor.checking.hint_screen import screen_hint

POSITIVE = frozenset({"yes_correct"})


def _pr(flags: list[bool], truth: list[bool]) -> tuple[float, float, int, int, int]:
    tp = sum(f and t for f, t in zip(flags, truth))
    fp = sum(f and not t for f, t in zip(flags, truth))
    fn = sum(t and not f for f, t in zip(flags, truth))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def _short(text: str, n: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def measure(eval_dir: Path) -> Section:
    rows = [r for r in read_jsonl(eval_dir / "pedagogy_dev.jsonl") if r.get("task") == "leak_screen"]
    truth = [r.get("label") in POSITIVE for r in rows]
    bare = [screen_hint(r["response"], str(r["reference"])).leaked for r in rows]
    with_context = [
        screen_hint(r["response"], str(r["reference"]), context=r.get("conversation_history") or "").leaked
        for r in rows
    ]
    section = Section("hints (MRBench reveals-answer)")
    section.rows.append(("rows / positives (yes_correct)", f"{len(rows)} / {sum(truth)}", ""))
    for name, flags, target_p, target_r in (
        ("no context", bare, "", ""),
        ("with context", with_context, "≥ 0.80", "≥ 0.90"),
    ):
        p, r, tp, fp, fn = _pr(flags, truth)
        section.rows.append((f"precision, {name}", f"{p:.2f}", target_p))
        section.rows.append((f"recall, {name}", f"{r:.2f}", target_r))
        section.rows.append((f"tp / fp / fn, {name}", f"{tp} / {fp} / {fn}", ""))
    wrong = [i for i, r in enumerate(rows) if r.get("label") == "yes_incorrect"]
    section.rows.append(
        ("yes_incorrect flagged, with context", f"{sum(with_context[i] for i in wrong)} / {len(wrong)}", "")
    )
    for i, r in enumerate(rows):
        if with_context[i] != truth[i]:
            tag = "FN" if truth[i] else "FP"
            section.listing.append(
                f"- {tag} [{r.get('label')}] ref {r['reference']} ({r.get('conversation_id', '')[:12]}, "
                f"{r.get('responder', '')}): {_short(r['response'])}"
            )
    return section
