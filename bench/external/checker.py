"""The answer checker (``tutor.checking.check_answer``) and math-verify on public pairs.

Data: ``answers_peer_mathverify.jsonl`` (246 pairs from Math-Verify's own test suite,
``equal`` label; ``policy_conflict`` marks rows where POLICY.md deliberately differs
from the peer, ``gray`` rows where POLICY.md was silent) and ``answers_dev.jsonl``
(108 pairs, ``correct`` label).

Rows scored: those where the policy and the label agree, i.e. not ``policy_conflict``,
and not a ``gray`` row whose category POLICY.md now decides against the label
(``GRAY_DECIDED`` / ``GRAY_ROWS_DECIDED`` below, each with the POLICY.md rule that decides it). On those rows:
agreement % and false accepts (checker says correct, label says not equal) for our
checker, and the same for math-verify 0.9.0 (``parse``/``verify``, run as the peer's
own tests run it: extraction targets from the row's ``match_types``, ``precision`` as
``float_rounding``). A timeout or an unreadable answer counts as "not correct".
Every disagreement of ours is listed.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from external import Section, read_jsonl

PEER = "answers_peer_mathverify.jsonl"
DEV = "answers_dev.jsonl"
AGREE_TARGET = 95.0

GRAY_DECIDED: dict[str, tuple[bool, str]] = {
    "set {1,3} against an ordered pair; POLICY: points are ordered": (
        False,
        "POLICY 'Points are ordered': a set {1, 3} is not the ordered pair (1, 3)",
    ),
}
"""Gray categories POLICY.md now decides one way for every row: (equal?, rule). A row
whose label differs from the decision counts as a policy conflict."""

GRAY_ROWS_DECIDED: dict[str, tuple[bool, str]] = {
    "huggingface/Math-Verify@5d148cf:tests/test_numina_cases.py:121": (
        False,
        "POLICY 'Functions': W(n) = 1 and W(n) = -1 is not W(x) = 1 or W(x) = -1 "
        "(f(x) and f(y) differ, as in the policy-conflict row with strict=False)",
    ),
}
"""Single gray rows (by origin) where the category's usual decision does not apply."""


def _label(row: dict) -> bool:
    return bool(row["equal"] if "equal" in row else row["correct"])


def _scored(row: dict) -> bool:
    if "policy_conflict" in row:
        return False
    decided = GRAY_ROWS_DECIDED.get(row.get("origin", "")) or GRAY_DECIDED.get(row.get("gray", ""))
    return decided is None or decided[0] == _label(row)


def _mv_options(note: str) -> tuple[list[str] | None, dict]:
    m = re.search(r"match_types=(\[[^\]]*\])", note)
    types = ast.literal_eval(m.group(1)) if m else None
    m = re.search(r"(\{.*\})\s*$", note)
    kwargs = json.loads(m.group(1)) if m else {}
    return types, kwargs


def _math_verify(row: dict) -> bool:
    """math-verify's verdict, called as in the peer's tests (``compare_strings``)."""
    try:
        from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify
    except ImportError:
        return False
    types, kwargs = _mv_options(row.get("note", ""))
    targets = []
    if types is None:
        targets = [LatexExtractionConfig(), ExprExtractionConfig()]
    else:
        if "latex" in types:
            targets.append(LatexExtractionConfig(boxed_match_priority=0))
        if "expr" in types:
            targets.append(ExprExtractionConfig())
    try:
        gold = parse(row["reference"], targets)
        pred = parse(row["answer"], targets)
        if not gold or not pred:
            return False
        return bool(
            verify(
                gold,
                pred,
                float_rounding=kwargs.get("precision", 6),
                strict=kwargs.get("strict", True),
                allow_set_relation_comp=kwargs.get("allow_set_relation_comp", False),
            )
        )
    except Exception:  # noqa: BLE001 - a parse or verify failure counts as a wrong answer
        return False


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _source(section: Section, name: str, rows: list[dict], peer_file: bool) -> None:
    from tutor.checking import check_answer

    scored = [r for r in rows if _scored(r)]
    ours_agree = ours_fa = mv_agree = mv_fa = 0
    for i, row in enumerate(rows):
        if not _scored(row):
            continue
        label = _label(row)
        v = check_answer(row["answer"], row["reference"])
        ok = v.correct == label
        ours_agree += ok
        ours_fa += v.correct and not label
        if not ok:
            tag = "FALSE ACCEPT" if v.correct else f"false reject ({v.status})"
            where = row.get("origin", f"row {i}")
            section.listing.append(
                f"- {name}#{i} [{tag}] ref {_short(row['reference'])!r} ans {_short(row['answer'])!r} ({where})"
            )
        mv = _math_verify(row)
        mv_agree += mv == label
        mv_fa += mv and not label
    n = len(scored)
    pct = lambda k: f"{100 * k / n:.1f}%" if n else "-"  # noqa: E731
    section.rows += [
        (f"{name}: rows", str(len(rows)), ""),
        (f"{name}: rows where policy and label agree", str(n), ""),
        (f"{name}: checker agreement", f"{pct(ours_agree)} ({ours_agree}/{n})", f">= {AGREE_TARGET:.0f}%"),
        (f"{name}: checker false accepts", str(ours_fa), "0"),
        (f"{name}: math-verify agreement", f"{pct(mv_agree)} ({mv_agree}/{n})", ""),
        (f"{name}: math-verify false accepts", str(mv_fa), ""),
    ]


def measure(eval_dir: Path) -> Section:
    section = Section("answer checker")
    _source(section, "math-verify tests", read_jsonl(Path(eval_dir) / PEER), True)
    _source(section, "answers_dev", read_jsonl(Path(eval_dir) / DEV), False)
    return section
