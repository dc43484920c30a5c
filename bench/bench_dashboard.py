"""How fast the teacher page's reads are with a realistic class (a benchmark, not a test).

    .venv/bin/python bench/bench_dashboard.py [--students 30] [--sessions 200] [--runs 15]
                                              [--database-url postgresql+psycopg://...]

Seeds one class of STUDENTS x SESSIONS (storage/seed.py) into a fresh SQLite file (or the given
database), then times what the page does: the overview (students table), the sessions list,
the flags list, progress (query + aggregation), the three plots rendered to PNG, the whole
refresh those make up, and one transcript (query + server-side Markdown/HTML). Prints the
median and the slowest of RUNS runs of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from storage import ReviewFilter, SchoolStore, Store, make_engine, upgrade
from storage.models import Attempt, Flag, Message, TutoringSession
from storage.seed import seed_class
from tutor.teaching.review import progress
from ui import teacher_view as view


def timed(runs: int, fn) -> tuple[float, float]:
    fn()  # warm caches (statement cache, SQLite page cache), as a page in use would be
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def png(fig) -> int:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-dashboard-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    school = SchoolStore(Store(engine))
    started = time.perf_counter()
    class_id = seed_class(school, "bench_teacher", "bench password", args.students, args.sessions)
    seeded = time.perf_counter() - started
    teacher_id = school.teacher("bench_teacher").id
    with engine.connect() as conn:
        counts = {
            m.__tablename__: conn.scalar(select(func.count()).select_from(m))
            for m in (TutoringSession, Message, Attempt, Flag)
        }
    everything = ReviewFilter()
    searched = ReviewFilter(search="circle")
    sessions = school.sessions(teacher_id=teacher_id, class_id=class_id, f=everything)
    biggest = max(sessions[:50], key=lambda s: s.questions).session_id

    def tables(f: ReviewFilter) -> None:  # what the page's refresh does, before the plots
        view.overview_frame(school.overview(teacher_id=teacher_id, class_id=class_id, f=f))
        view.sessions_frame(school.sessions(teacher_id=teacher_id, class_id=class_id, f=f))
        view.flags_frame(school.flags_for_class(teacher_id=teacher_id, class_id=class_id, f=f))

    def plots(f: ReviewFilter) -> None:  # what the page does next: progress and three PNGs
        prog = progress(school.attempt_points(teacher_id=teacher_id, class_id=class_id, f=f))
        for fig in (view.rate_over_time_plot(prog), view.topic_plot(prog), view.missed_plot(prog)):
            png(fig)

    rows = [
        ("overview (students table)", lambda: school.overview(teacher_id=teacher_id, class_id=class_id, f=everything)),
        ("overview, search 'circle'", lambda: school.overview(teacher_id=teacher_id, class_id=class_id, f=searched)),
        ("sessions list (200 rows)", lambda: school.sessions(teacher_id=teacher_id, class_id=class_id, f=everything)),
        ("flags list", lambda: school.flags_for_class(teacher_id=teacher_id, class_id=class_id, f=everything)),
        ("page refresh: all tables", lambda: tables(everything)),
        (
            "progress: query + aggregate",
            lambda: progress(school.attempt_points(teacher_id=teacher_id, class_id=class_id, f=everything)),
        ),
        ("page refresh: progress + 3 PNG plots", lambda: plots(everything)),
        (
            "transcript: query + HTML",
            lambda: view.transcript_html(school.transcript(teacher_id=teacher_id, session_id=biggest)),
        ),
    ]
    print(
        f"database: {engine.dialect.name}; class of {args.students} students x {args.sessions} sessions, "
        f"seeded in {seeded:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items())
    )
    print(f"{'read':38} {'median ms':>10} {'max ms':>10}   ({args.runs} runs each)")
    for name, fn in rows:
        median, worst = timed(args.runs, fn)
        print(f"{name:38} {median:10.1f} {worst:10.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
