"""SIGKILL in the middle of a generation, then a restart: nothing the student wrote is lost."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def start_app(data_dir: Path, db: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_DATABASE_URL": f"sqlite:///{db}",
        "TUTOR_MAX_NEW_TOKENS": "3000",
    }
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("app did not start")


def message_rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT question, solution, status FROM messages").fetchall()
    finally:
        con.close()


def test_sigkill_mid_generation_keeps_question_and_partial_reply(data_dir, tmp_path, browser):
    db, port = tmp_path / "crash.db", free_port()
    proc = start_app(data_dir, db, port)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}")
        page.get_by_label("Question").fill("Explain step by step how to solve 3x + 5 = 11")
        page.get_by_label("Question").press("Enter")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for the first checkpoint of the reply
            rows = message_rows(db)
            if rows and len(rows[0][1]) > 20:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()

    [(question, partial, status)] = message_rows(db)
    assert question.startswith("Explain step by step") and status == "generating" and len(partial) > 20
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()

    proc = start_app(data_dir, db, port)
    try:
        [(_, after, status)] = message_rows(db)
        assert status == "interrupted" and after == partial
        page.goto(f"http://127.0.0.1:{port}")
        chat = page.locator("#conversation")  # the latest conversation opens by itself
        expect(chat.get_by_text(re.compile("This reply was interrupted"))).to_be_visible(timeout=15_000)
        expect(chat).to_contain_text(re.search(r"[A-Za-z]{4,}", partial).group())
    finally:
        context.close()
        proc.terminate()
        proc.wait(30)
