"""The four computer-algebra guarantees measured on public, labelled data, in one run.

``python bench/bench_external.py [--eval DIR] [--only checker,crosscheck,hints,working] [--list]``

DIR defaults to ``../shared/eval`` beside the checkout (the files carry their sources
and licences per row). Prints one table: the answer checker's and math-verify's
agreement and false accepts per source; the cross-check's settled / declined /
settled-but-different (each listed with ``--list``); the hint screen's precision and
recall with and without the dialogue; "Check my working": verdicts given, first errors
located, correct lines marked wrong. Not run by CI (minutes of sympy work).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PARTS = ("checker", "crosscheck", "hints", "working")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--list", action="store_true", help="print each listed case under the table")
    args = parser.parse_args()
    from tutor.checking import warm_up

    warm_up()
    sections = []
    for part in args.only.split(","):
        t0 = time.perf_counter()
        section = importlib.import_module(f"external.{part}").measure(args.eval)
        section.rows.append(("seconds", f"{time.perf_counter() - t0:.0f}", ""))
        sections.append(section)
    print("| guarantee | metric | value | target |")
    print("| --- | --- | ---: | --- |")
    for s in sections:
        for metric, value, target in s.rows:
            print(f"| {s.title} | {metric} | {value} | {target} |")
    if args.list:
        for s in sections:
            if s.listing:
                print(f"\n## {s.title}")
                print("\n".join(s.listing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
