"""Load test: simulated students drive the running app through gradio_client, on loopback only.

    python app.py --port 7860 &          # the app under test, demo model
    python bench/load.py --url http://127.0.0.1:7860 --students 50 --minutes 3 --db data/tutor.db

Each student, at a fixed pace: asks a question and streams the reply, checks an answer,
reloads their history. Bounded: every student stops at the deadline, every call has a
timeout. Prints requests served, explicit "busy" refusals, errors, first-token p50/p95, and
then counts the rows in the database: every question and every finished or stopped reply
must be there.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from gradio_client import Client

QUESTIONS = [
    "Solve 3x + 5 = 11",
    "What is 3/4 + 1/6?",
    "Solve x^2 - 5x + 6 = 0",
    "Differentiate x^3",
    "What is 15% of 80?",
]


@dataclass
class Tally:
    asked: int = 0
    served: int = 0
    busy: int = 0
    errors: list[str] = field(default_factory=list)
    first_token_s: list[float] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def student(
    url: str, deadline: float, pace_s: float, tally: Tally, rng: random.Random, address: str | None = None
) -> None:
    """``address``: sent as ``X-Forwarded-For`` (believed only with ``TUTOR_TRUSTED_PROXIES=127.0.0.1``)."""
    token = secrets.token_urlsafe(24)
    identity = {"token": token}
    with tally.lock:
        tally.tokens.add(token)
    client = Client(url, verbose=False, headers={"X-Forwarded-For": address} if address else None)
    time.sleep(rng.uniform(0, pace_s))  # spread the first questions over one pace interval
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            job = client.submit(rng.choice(QUESTIONS), "Show solution", identity, None, api_name="/solve")
            first = None
            for update in job:
                if first is None and any(isinstance(v, str) and v.strip() for v in update[0:2]):
                    first = time.monotonic() - started
            # gradio_client returns the visible outputs only: reasoning, solution, final answer,
            # notice, computer-algebra note, verdict (states and layout are kept server-side)
            result = job.result(timeout=300)
            notice = result[3] if len(result) > 3 else ""
            with tally.lock:
                tally.asked += 1
                if isinstance(notice, str) and "busy" in notice.lower():
                    tally.busy += 1
                else:
                    tally.served += 1
                    if first is not None:
                        tally.first_token_s.append(first)
            client.predict("x = 2", identity, api_name="/check")  # the message id is session state
            client.predict(identity, api_name="/history")
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            with tally.lock:
                tally.errors.append(f"{type(exc).__name__}: {exc}"[:200])
        time.sleep(max(0.0, pace_s - (time.monotonic() - started)))


def count_rows(db: str, tokens: set[str]) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    marks = ",".join("?" * len(tokens))
    base = (
        f"FROM messages m JOIN sessions s ON m.session_id = s.id JOIN students st ON s.student_id = st.id WHERE "
        f"st.browser_token IN ({marks})"
    )
    rows = dict(con.execute(f"SELECT m.status, COUNT(*) {base} GROUP BY m.status", list(tokens)).fetchall())
    con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--pace", type=float, default=60.0, help="seconds between one student's questions")
    parser.add_argument("--db", default="data/tutor.db")
    parser.add_argument(
        "--own-addresses",
        action="store_true",
        help="each student its own X-Forwarded-For address (start the app with TUTOR_TRUSTED_PROXIES=127.0.0.1): "
        "without it all students are anonymous visitors on one address, held to 8 replies at once (README, "
        "Security model)",
    )
    args = parser.parse_args()
    if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load tests run against loopback only")

    tally, deadline = Tally(), time.monotonic() + args.minutes * 60
    threads = [
        threading.Thread(
            target=student,
            daemon=True,
            args=(
                args.url,
                deadline,
                args.pace,
                tally,
                random.Random(i),
                f"10.1.{i // 250}.{i % 250 + 1}" if args.own_addresses else None,
            ),
        )
        for i in range(args.students)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.minutes * 60 + 360)

    ft = sorted(tally.first_token_s)
    p = lambda q: ft[min(len(ft) - 1, int(q * len(ft)))] if ft else float("nan")  # noqa: E731
    rows = count_rows(args.db, tally.tokens)
    print(f"students {args.students}, {args.minutes:g} min, one question per {args.pace:g} s each")
    print(f"{'questions asked':28} {tally.asked}")
    print(f"{'served':28} {tally.served}")
    print(f"{'busy refusals':28} {tally.busy}")
    print(f"{'errors':28} {len(tally.errors)}")
    print(f"{'first token p50 / p95 (s)':28} {p(0.5):.2f} / {p(0.95):.2f}")
    print(f"{'rows by status':28} {rows}")
    print(f"{'served replies all stored':28} {sum(rows.values()) == tally.served and rows.get('generating', 0) == 0}")
    for e in tally.errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main()
