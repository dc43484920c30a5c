"""`python app.py` as a user runs it: serves the page and reports model readiness."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_app_serves_the_student_page_and_health(data_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "TUTOR_DATA_DIR": str(data_dir), "TUTOR_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{url}/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert health is not None and health.status_code == 200, "app did not become healthy"
        assert health.json() == {"status": "ok", "model": "SmolLM2-135M-Instruct", "model_loaded": True}
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert (tmp_path / "app.db").is_file()
        assert httpx.get(f"{url}/monitoring", timeout=5).status_code in (401, 403, 404)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
