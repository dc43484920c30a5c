"""The checker pool's first use from several threads at once (as Gradio does)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_concurrent_first_calls_each_get_their_own_reply():
    """Regression: warm-up on one thread read the reply meant for a check on another."""
    script = textwrap.dedent(
        """
        import threading
        from tutor.checking import check_answer, parse_preview
        results = {}
        # 10 s, not the default 2 s: eight calls queue for two workers, and on a loaded machine (parallel
        # test workers) the last ones waited past 2 s. A reply read by the wrong thread still never arrives.
        def preview(i): results[("p", i)] = parse_preview("x = %d" % i, timeout=10.0)
        def check(i): results[("c", i)] = check_answer("x = %d" % i, str(i), timeout=10.0).status
        threads = [threading.Thread(target=f, args=(i,)) for i in range(4) for f in (preview, check)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert all(results[("p", i)] == "x = %d" % i for i in range(4)), results
        assert all(results[("c", i)] == "correct" for i in range(4)), results
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_every_typed_task_is_one_the_worker_serves_and_each_runs():
    """The parent's names (tasks.py) and the worker's (worker.TASKS) are the same set, and each
    typed call returns the shape its type says, through the real worker processes."""
    from tutor.checking import tasks, worker

    assert set(worker.TASKS) == tasks.NAMES
    assert tasks.check("x = 2", "2", 5.0).status == "correct"
    assert tasks.preview("x^2", 5.0) == tasks.PreviewOut("x^{2}", None)
    found = tasks.cas(tasks.CasTask("solve", "3x + 5 = 11", var="x"), 1.0, 5.0)
    assert found is None or found.answer_text == "x = 2"
    assert tasks.antiderivative_equal("x^2 + C", "x^2", "x", 5.0) is True
    assert tasks.in_form("(x+1)(x-1)", "factor", 5.0) is True
    assert tasks.positive_equal("sqrt(x^2)", "x", 5.0) is True
    candidates = [tasks.Candidate("value", "3", False, []), tasks.Candidate("value", "4", False, [])]
    assert tasks.leaks(candidates, "4", [], 5.0) == tasks.LeaksOut(readable=True, index=1)
    assert tasks.step("2x = 4", "x = 2", False, 5.0).verdict == "follows"
    assert tasks.step("2x = 4", "x = 3", False, 5.0).verdict != "follows"
