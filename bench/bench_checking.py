"""Side-by-side accuracy of tutor.checking and math-verify, plus latency.

    python bench/bench_checking.py [PAIRS.jsonl] [--repeat N]

Prints, per kind: pairs, this checker's accuracy and false accepts, math-verify's
accuracy and false accepts; then p50/p99 latency of one check (warm pool,
sequential, each pair seen for the first time, so sympy's cache does not flatter
it) and checks per second with 4 caller threads over ``--repeat`` passes. math-verify 0.9.0 is a
bench-only dependency (requirements-bench.txt), used as well as it can be: every
text that is not already LaTeX-delimited is wrapped in ``$…$`` and both LaTeX
and plain-expression extraction are enabled. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.checking import check_answer, warm_up  # noqa: E402


def math_verify_judge():
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    config = [LatexExtractionConfig(), ExprExtractionConfig()]

    def wrap(text: str) -> str:
        return text if ("$" in text or "\\boxed" in text or "\\(" in text) else f"${text}$"

    def judge(answer: str, reference: str) -> bool:
        try:
            gold = parse(wrap(reference), extraction_config=config)
            pred = parse(wrap(answer), extraction_config=config)
            return bool(verify(gold, pred))
        except Exception:  # noqa: BLE001 - a parse or verify failure counts as a wrong answer
            return False

    return judge


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="?", default=str(ROOT / "tests/data/answers_dev.jsonl"))
    ap.add_argument("--repeat", type=int, default=3, help="passes over the set for the throughput run")
    args = ap.parse_args()
    rows = [json.loads(line) for line in Path(args.pairs).read_text().splitlines() if line.strip()]

    warm_up()
    mv = math_verify_judge()
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # n, ours ok, ours FA, mv ok, mv FA
    misses, latencies = [], []
    for r in rows:
        s = stats[r["kind"]]
        t = time.perf_counter()
        ours = check_answer(r["answer"], r["reference"]).correct
        latencies.append((time.perf_counter() - t) * 1000)
        theirs = mv(r["answer"], r["reference"])
        s[0] += 1
        s[1] += ours == r["correct"]
        s[2] += ours and not r["correct"]
        s[3] += theirs == r["correct"]
        s[4] += theirs and not r["correct"]
        if ours != r["correct"]:
            misses.append(r)

    print(f"pairs: {args.pairs}")
    print(f"{'kind':<12}{'n':>5}  {'ours':>7} {'FA':>3}   {'math-verify':>11} {'FA':>3}")
    total = [0, 0, 0, 0, 0]
    for kind in sorted(stats):
        s = stats[kind]
        total = [a + b for a, b in zip(total, s)]
        print(f"{kind:<12}{s[0]:>5}  {s[1] / s[0]:>7.0%} {s[2]:>3}   {s[3] / s[0]:>11.0%} {s[4]:>3}")
    n = total[0]
    print(f"{'TOTAL':<12}{n:>5}  {total[1] / n:>7.1%} {total[2]:>3}   {total[3] / n:>11.1%} {total[4]:>3}")
    print(f"ours: {total[1]}/{n} right, math-verify: {total[3]}/{n} right")
    for r in misses:
        print(f"  ours wrong: [{r['kind']}] answer={r['answer']!r} reference={r['reference']!r} label={r['correct']}")

    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"latency per check (warm pool, first sight of each pair, sequential): "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms"
    )

    work = rows * args.repeat
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as ex:
        list(ex.map(lambda r: check_answer(r["answer"], r["reference"]), work))
    elapsed = time.perf_counter() - t
    print(f"throughput (4 caller threads, 2 workers): {len(work) / elapsed:.0f} checks/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
