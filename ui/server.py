"""The web server: the student page at ``/``, the teacher page at ``/teacher``, ``/health``, safe defaults
for Gradio."""

from __future__ import annotations

import secrets
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tutor.parts import Parts
from tutor.service import TutorService
from ui import exports, student, teacher
from ui.queue_guard import QueueGuard, StreamTracker
from ui.security import harden
from ui.uploads import refuse_uploads


def browser_secret(data_dir: Path) -> str:
    """The key Gradio's ``BrowserState`` uses for the student's identity in localStorage.

    Hazard: Gradio encrypts in the browser, so the page is given this key (``/config``); it
    protects nothing against someone who can read that browser's storage. The identity's
    protection is the token's 192 random bits (README, "Security model").

    Stable across restarts (kept in the data folder): a new key would orphan every
    student's history at the next start.
    """
    path = data_dir / "browser_secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


NO_API_DOCS = {"docs_url": None, "redoc_url": None, "openapi_url": None}
"""Gradio's own FastAPI app would otherwise publish /openapi.json and /docs of its routes."""


def build_app(parts: Parts | TutorService, data_dir: Path, *, https: bool = False) -> FastAPI:
    """The whole web app for ``parts`` (``app.py`` assembles them; a bare ``TutorService``, as
    tests build one, gets the other parts around it). ``https``: students reach the app over
    TLS (``TUTOR_PUBLIC_URL=https://…``): Secure cookies only, HSTS."""
    parts = parts if isinstance(parts, Parts) else Parts.around(parts, data_dir)
    service = parts.tutor
    app = FastAPI(title="Math tutor", docs_url=None, redoc_url=None, openapi_url=None)
    harden(app, https)  # no credentialed CORS, Lax cookies, no framing, a CSP (ui/security.py)

    @app.get("/health")
    def health() -> JSONResponse:
        ready = service.ready()
        body = {"status": "ok" if ready else "loading", "model": service.model_id, "model_loaded": ready}
        return JSONResponse(body, status_code=200 if ready else 503)

    teacher.mount(app, parts.review, parts.throttle)  # before "/", which would shadow it
    page = student.build(parts, browser_secret(data_dir))
    # Gradio's queue matches the tutor's own admission queue (tutor/generation/admission.py): no concurrency
    # limit per event (the model batches; a limit of 1 would serialise the class), enough worker
    # threads for every admitted or waiting student plus quick events (checks, history), and
    # room in Gradio's queue so that past the tutor's capacity a student gets its "busy, about
    # N s" message rather than Gradio's generic queue-full error.
    capacity = service.capacity
    page.max_threads = max(40, capacity + 24)
    page.queue(default_concurrency_limit=None, max_size=max(256, 4 * capacity))
    # Per-client limits on that queue and abandoned requests cancelled (issue 11 rows 6, 8).
    guard = QueueGuard(page, service.in_class)
    guard.install()
    app.state.queue_guard = guard
    app.add_middleware(StreamTracker, guard=guard)
    gr.mount_gradio_app(
        app,
        page,
        path="/",
        show_error=False,
        enable_monitoring=False,
        mcp_server=False,
        css=student.CSS,
        head=student.HEAD,
        footer_links=[],
        app_kwargs=NO_API_DOCS,
    )
    exports.mount(app, parts.review)  # signed-in teacher's downloads (ui/exports.py)
    return refuse_uploads(app)  # no upload route answers, max_file_size set (ui/uploads.py)
