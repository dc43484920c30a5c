"""`TUTOR_DATABASE_URL=postgresql+psycopg://…` runs the whole app: `python app.py` on a real
PostgreSQL server upgrades the empty database, creates the teacher account from the
environment, and serves both pages; a student joins a class and the teacher sees them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
from gradio_client import Client
from sqlalchemy import text

from storage import make_engine
from tests.conftest import free_port
from tests.pg import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.support import head_revision

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def test_whole_app_on_postgresql(data_dir, postgres_url: str, tmp_path) -> None:  # noqa: F811
    port = free_port()
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_DATABASE_URL": postgres_url,
        "TUTOR_TEACHER_USER": "ms_lee",
        "TUTOR_TEACHER_PASSWORD": PASSWORD,
    }
    log = (tmp_path / "app.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            time.sleep(0.5)
        else:
            raise AssertionError("app did not become healthy:\n" + (tmp_path / "app.log").read_text())

        created = subprocess.run(
            [sys.executable, "-m", "storage.admin", "create-class", "ms_lee", "Year 9 on Postgres"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        code = created.stdout.strip().splitlines()[-1]

        student = Client(url + "/", verbose=False)
        state = {"token": secrets.token_urlsafe(24)}  # what the page keeps in the browser
        assert "You joined Year 9 on Postgres as Ada." in student.predict("Ada", code, state, api_name="/join_class")

        teacher = Client(url + "/teacher/", auth=("ms_lee", PASSWORD), verbose=False)
        _, classes = teacher.predict(api_name="/whoami")
        [(label, class_id)] = classes["choices"]
        assert code in label
        tables = teacher.predict(class_id, 0, "", "", "", "", api_name="/refresh")
        assert tables[3]["data"][0][0] == "Ada"
        student.close()
        teacher.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # graceful shutdown waits on open client connections
            proc.kill()
            proc.wait(timeout=30)
        log.close()

    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            assert conn.execute(text("SELECT display_name FROM students WHERE class_id IS NOT NULL")).scalar() == "Ada"
            assert conn.execute(text("SELECT username FROM teachers")).scalar() == "ms_lee"
    finally:
        engine.dispose()
