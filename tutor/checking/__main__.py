"""``python -m tutor.checking ANSWER REFERENCE`` prints the verdict as JSON, exits 0."""

from __future__ import annotations

import argparse
import json

from . import check_answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutor.checking", description=__doc__)
    parser.add_argument("answer")
    parser.add_argument("reference")
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    verdict = check_answer(args.answer, args.reference, timeout=args.timeout)
    print(json.dumps(verdict.to_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
