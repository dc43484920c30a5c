"""Issue 11 rows 11–15 ("Safe to put in front of a school"): uploads, exports, LaTeX bombs,
outside links and images, file modes. The real app on loopback (real HTTP, gradio_client),
real SQLite files, and the real `python -m storage.admin backup`.

The renderers in a real Chromium: tests/test_hardening_browser.py."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from starlette.routing import Mount

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui import teacher_view
from ui.math_markdown import MAX_FORMULA_DEPTH, final_answer_markdown, formula_ok, prepare_markdown, render_html
from ui.server import build_app

ROOT = Path(__file__).resolve().parent.parent
PASSWORD_A, PASSWORD_B = "correct horse battery", "staple gun tornado"
ADA = "ada-" + "a" * 28
SECRET = "What is 6*7? My secret is pelican"
BOMB = "Simplify $" + "\\sqrt{" * 200 + "x" + "}" * 200 + "$"  # 1.4 KB
TRACKER = "https://tracker.example/pixel.gif"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def world(tmp_path):
    """Two teachers; Ada in ms_lee's class with one answered question."""
    store = new_store(tmp_path / "data" / "tutor.db")
    service = TutorService(ScriptedBackend(["Multiply: ", "\\boxed{42}"]), store, GenerationSettings())
    school = service.school
    lee, k = (
        school.add_teacher(username="ms_lee", password=PASSWORD_A),
        school.add_teacher(username="mr_k", password=PASSWORD_B),
    )
    cls = school.create_class(teacher_id=lee.id, name="Lee 9A")
    school.create_class(teacher_id=k.id, name="K 10B")
    service.join_class(ADA, "Ada", cls.join_code)
    list(service.ask(ADA, SECRET))
    data_dir = tmp_path / "data"
    with LiveServer(build_app(service, data_dir)) as server:
        yield {
            "service": service,
            "url": server.url,
            "app": server.server.config.app,
            "school": school,
            "lee": lee,
            "class": cls,
            "data": data_dir,
        }


@contextmanager
def _login(url: str, user: str = "ms_lee", password: str = PASSWORD_A) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.post("/teacher/login", data={"username": user, "password": password}).status_code == 200
        yield client


def _export(world, fmt: str = "CSV") -> str:
    """As the page does: whoami (offers the classes), then Export; returns the link's path."""
    lee = Client(world["url"] + "/teacher/", auth=("ms_lee", PASSWORD_A), verbose=False, download_files=False)
    lee.predict(api_name="/whoami")
    shown = lee.predict(world["class"].id, 0, fmt, "Whole class", api_name="/export")
    href = re.search(r'href="([^"]+)"', str(shown))
    assert href, shown
    return "/teacher/" + href.group(1)


# -- row 11: uploads ---------------------------------------------------------------------------


def test_no_upload_is_accepted_on_either_page(world) -> None:
    from gradio.utils import get_upload_folder

    before = set(Path(get_upload_folder()).rglob("*")) if Path(get_upload_folder()).exists() else set()
    files = {"files": ("homework.txt", b"uploaded-by-a-stranger " * 100, "text/plain")}
    with httpx.Client(base_url=world["url"], timeout=10) as anonymous:
        refused = anonymous.post("/gradio_api/upload", files=files)
        assert refused.status_code == 403 and "no file uploads" in refused.text
        assert anonymous.post("/teacher/gradio_api/upload", files=files).status_code == 401  # the login gate first
    with _login(world["url"]) as teacher:
        assert teacher.post("/teacher/gradio_api/upload", files=files).status_code == 403
    after = set(Path(get_upload_folder()).rglob("*")) if Path(get_upload_folder()).exists() else set()
    assert not [p for p in after - before if p.is_file() and b"uploaded-by-a-stranger" in p.read_bytes()]


def test_a_200_mb_upload_is_refused_before_its_body_is_read(world) -> None:
    port = int(world["url"].rsplit(":", 1)[1])
    boundary = "x" * 16
    head = (
        f"POST /gradio_api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
        f"boundary={boundary}\r\n"
        f"Content-Length: {200 * 1024 * 1024}\r\n\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="big.bin"\r\nContent-Type: '
        "application/octet-stream\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head + b"\0" * 65536)  # the rest of the 200 MB never comes
        reply = sock.recv(4096)  # today Gradio waits for the whole body: this times out
    assert reply.startswith(b"HTTP/1.1 403"), reply[:100]
    assert time.monotonic() - started < 5


def test_gradio_limits_are_set_on_both_pages(world) -> None:
    apps = {r.path: r.app for r in world["app"].routes if isinstance(r, Mount)}
    for path in ("", "/teacher"):
        blocks = apps[path].get_blocks()
        assert blocks.max_file_size == 1_000_000, path
        assert blocks.delete_cache == (300, 900), path  # Gradio's upload route reads max_file_size per request


# -- row 12: exports ---------------------------------------------------------------------------


def test_an_export_is_served_once_to_its_teacher_only(world) -> None:
    url = world["url"]
    link = _export(world)
    name = link.rsplit("/", 1)[1]
    on_disk = list(world["data"].joinpath("exports").rglob(name))
    assert len(on_disk) == 1
    private = on_disk[0]
    # Not in Gradio's cache, so no Gradio app (the student page's included) can serve it.
    from gradio.utils import get_upload_folder

    assert not list(Path(get_upload_folder()).rglob(name))
    for path in (f"/gradio_api/file={private}", f"/teacher/gradio_api/file={private}"):
        assert httpx.get(url + path, timeout=10).status_code in (401, 403)
    assert httpx.get(url + link, timeout=10).status_code == 401  # no login
    with _login(url, "mr_k", PASSWORD_B) as other:
        assert other.get(link).status_code == 404  # another teacher's: looked for in their own folder only
    with _login(url) as lee:
        first = lee.get(link)
        assert first.status_code == 200 and "pelican" in first.text
        assert first.headers["content-disposition"].startswith("attachment")
        assert first.headers["cache-control"] == "no-store"
        assert not private.exists()  # deleted once downloaded
        again = lee.get(link)
        assert again.status_code == 404 and "export again" in again.text
        assert lee.get("/teacher/exports/..%2ftutor.db").status_code == 404


def test_an_export_is_not_served_after_logout_or_the_students_deletion(world) -> None:
    url, school = world["url"], world["school"]
    link = _export(world, "JSON")
    with _login(url) as lee:
        lee.get("/teacher/logout")
        assert lee.get(link).status_code == 401
    link = _export(world, "JSON")
    student_id = school.class_students(teacher_id=world["lee"].id, class_id=world["class"].id)[0][0]
    lee = Client(url + "/teacher/", auth=("ms_lee", PASSWORD_A), verbose=False)
    lee.predict(api_name="/whoami")
    lee.predict(world["class"].id, 0, "", "", "", "", api_name="/refresh")  # offers Ada in the Student filter
    lee.predict(student_id, "DELETE", api_name="/delete_student")
    with _login(url) as again:
        assert again.get(link).status_code == 404


def test_exports_are_private_files_and_expire(world, monkeypatch) -> None:
    from tutor.teaching import review

    link = _export(world)
    private = next(world["data"].joinpath("exports").rglob(link.rsplit("/", 1)[1]))
    assert mode(private) == 0o600
    for folder in (private.parent, private.parent.parent, world["data"] / "exports"):
        assert mode(folder) == 0o700, folder
    monkeypatch.setattr(review, "EXPORT_TTL_S", 0)
    time.sleep(0.01)
    with _login(world["url"]) as lee:
        assert lee.get(link).status_code == 404  # past its lifetime
    assert not private.exists()


# -- row 13: LaTeX bombs -------------------------------------------------------------------------


def test_deep_or_huge_or_macro_formulas_are_shown_as_text() -> None:
    ok = "\\sqrt{" * MAX_FORMULA_DEPTH + "x" + "}" * MAX_FORMULA_DEPTH
    deep = "\\sqrt{" * (MAX_FORMULA_DEPTH + 1) + "x" + "}" * (MAX_FORMULA_DEPTH + 1)
    assert formula_ok(ok) and not formula_ok(deep)
    assert not formula_ok("\\left(" * 25 + "x" + "\\right)" * 25)
    assert not formula_ok("x+" * 3000) and formula_ok("x+" * 100 + "1")
    assert not formula_ok("\\def\\a{\\sqrt{\\a}}\\a") and not formula_ok("\\newcommand{\\a}{x}")
    assert formula_ok("\\leftarrow \\frac{1}{2}")

    html = render_html(BOMB)
    assert "math-inline" not in html and "<code>" in html and "\\sqrt{\\sqrt{" in html
    assert "math-display" not in render_html("$$\n" + deep + "\n$$")
    assert "math-inline" in render_html(f"${ok}$")
    for delimiters in ("dollars", "brackets"):
        out = prepare_markdown(BOMB, streaming=False, delimiters=delimiters)
        assert out.startswith("Simplify `\\sqrt{") and "\\(" not in out and "$" not in out
        assert final_answer_markdown(deep, delimiters=delimiters).startswith("`")


def test_a_transcript_with_a_bomb_renders_it_as_text(world) -> None:
    service, school, lee = world["service"], world["school"], world["lee"]
    view = list(service.ask(ADA, BOMB))[-1]
    transcript = school.transcript(teacher_id=lee.id, session_id=view.session_id)
    entry = transcript.entries[-1]
    assert entry.message.question == BOMB
    bombed = replace(entry, message=replace(entry.message, final_answer="\\sqrt{" * 200 + "}" * 200))
    html = teacher_view.transcript_html(replace(transcript, entries=[bombed]))
    question = re.search(r'<div class="question">(.*?)</div>', html, re.S).group(1)
    final = re.search(r'<span class="final">(.*?)</span></p>', html, re.S).group(1)
    assert "math-inline" not in question and question.count("\\sqrt{") == 200 and "<code>" in question
    assert final.startswith("<code>") and "math-inline" not in final
    assert '<span class="math-inline">\\boxed{42}</span>' in html  # the reply's own math still renders


# -- row 14: outside images and links ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"![pixel]({TRACKER})",
        f"[homework help]({TRACKER})",
        f"<{TRACKER}>",
        f"[pixel][t]\n\n[t]: {TRACKER}",
        f"![pixel][t]\n\n[t]: {TRACKER}",
        f'<img src="{TRACKER}">',
        f"[![pixel]({TRACKER})]({TRACKER})",
    ],
)
def test_no_image_or_link_in_either_renderer(text) -> None:
    html = render_html(text)
    assert "<img" not in html and "<a " not in html, html
    assert "tracker.example" in html  # the address is still shown, as text
    gradio = prepare_markdown(text, streaming=False, delimiters="brackets")
    assert not re.search(r"[\[\]<]|https?://", gradio), gradio  # nothing marked (GFM) can link or embed


def test_bare_addresses_are_not_autolinked_for_gradio() -> None:
    out = prepare_markdown(
        "see www.tracker.example or https://tracker.example or a@tracker.example",
        streaming=False,
        delimiters="brackets",
    )
    assert "www." not in out and "://" not in out and "@" not in out
    assert (
        prepare_markdown("interval [0, 1] and x < 2", streaming=False) == "interval [0, 1] and x < 2"
    )  # dollars: unchanged


# -- row 15: file modes ------------------------------------------------------------------------------


def test_database_wal_and_folder_are_private(tmp_path) -> None:
    db = tmp_path / "new" / "data" / "tutor.db"
    store = new_store(db)
    store.student_for_token(ADA)  # a write: the WAL and shared-memory files now exist
    assert mode(db) == 0o600
    for side in ("-wal", "-shm"):
        assert Path(f"{db}{side}").exists() and mode(Path(f"{db}{side}")) == 0o600, side
    assert mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700


def test_an_old_world_readable_database_is_made_private(tmp_path) -> None:
    db = tmp_path / "tutor.db"
    new_store(db).student_for_token(ADA)
    for path in (db, Path(f"{db}-wal")):
        if path.exists():
            path.chmod(0o644)
    new_store(db)
    assert mode(db) == 0o600


def test_a_backup_is_private(tmp_path) -> None:
    db = tmp_path / "tutor.db"
    new_store(db).student_for_token(ADA)
    dest = tmp_path / "backups" / "nightly" / "tutor-backup.db"
    done = subprocess.run(
        [sys.executable, "-m", "storage.admin", "--database-url", f"sqlite:///{db}", "backup", str(dest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert mode(dest) == 0o600 and mode(dest.parent) == 0o700 and mode(dest.parent.parent) == 0o700
