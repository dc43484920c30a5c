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
        def preview(i): results[("p", i)] = parse_preview("x = %d" % i)
        def check(i): results[("c", i)] = check_answer("x = %d" % i, str(i)).status
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
