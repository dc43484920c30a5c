"""Computer-algebra cross-check: how many questions it settles, and whether rightly.

``python bench/bench_cas.py [questions.jsonl]`` reads hand-written questions with
hand-verified answers (``answer`` null for questions it must decline), asks
``cas_answer`` for each and compares its result with the known answer by the
checker's comparison (``tutor.checking.cross_check.agrees``). Prints, per kind: questions,
settled, settled-and-right, wrong, declined, p50/p99 latency of ``cas_answer``.
Exits 1 if any settled answer is wrong or any decline-set question is settled.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.checking import warm_up  # noqa: E402
from tutor.checking.cross_check import agrees, cas_answer  # noqa: E402

DEFAULT = ROOT / "tests" / "data" / "questions_cas.jsonl"
"""The one copy of the set, shared with tests/test_cas.py (a user's clone has the tests)."""


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(path: Path) -> dict[str, dict]:
    rows: dict[str, dict] = defaultdict(
        lambda: {"n": 0, "settled": 0, "right": 0, "wrong": 0, "declined": 0, "ms": [], "bad": []}
    )
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        row = rows[item["kind"]]
        row["n"] += 1
        t0 = time.perf_counter()
        result = cas_answer(item["question"])
        row["ms"].append((time.perf_counter() - t0) * 1000)
        if result is None:
            row["declined"] += 1
            continue
        row["settled"] += 1
        if item["answer"] is not None and agrees(item["answer"], result) is True:
            row["right"] += 1
        else:
            row["wrong"] += 1
            row["bad"].append((item["question"], result.answer_text))
    return rows


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    warm_up()
    rows = run(path)
    print(
        f"{'kind':<12}{'questions':>10}{'settled':>9}{'right':>7}{'wrong':>7}{'declined':>10}{'p50 ms':>9}{'p99 ms':>9}"
    )
    total = defaultdict(int)
    all_ms: list[float] = []
    for kind, r in sorted(rows.items()):
        print(
            f"{kind:<12}{r['n']:>10}{r['settled']:>9}{r['right']:>7}{r['wrong']:>7}{r['declined']:>10}"
            f"{statistics.median(r['ms']):>9.1f}{_pct(r['ms'], 0.99):>9.1f}"
        )
        for k in ("n", "settled", "right", "wrong", "declined"):
            total[k] += r[k]
        all_ms += r["ms"]
    print(
        f"{'all':<12}{total['n']:>10}{total['settled']:>9}{total['right']:>7}{total['wrong']:>7}{total['declined']:>10}"
        f"{statistics.median(all_ms):>9.1f}{_pct(all_ms, 0.99):>9.1f}"
    )
    should = total["n"] - rows["decline"]["n"] if "decline" in rows else total["n"]
    print(
        f"settled {total['right']}/{should} of the should-settle questions "
        f"({100 * total['right'] / max(should, 1):.1f}%)"
    )
    for kind, r in rows.items():
        for question, got in r["bad"]:
            print(f"WRONG [{kind}] {question!r}: computer algebra said {got!r}")
    return 1 if total["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
