"""Teacher exports, downloaded only by the signed-in teacher who made them (issue 11 row 12).

Gradio's ``gr.File`` copies a returned file into its shared cache, which every Gradio app
of the process (the public student page too) serves at ``/gradio_api/file=`` to anyone
holding the path, until the cache sweep. Here the export stays in the private folder that
`TeacherReview.export` wrote it to, the page shows a link (`link`), and
``GET /teacher/exports/<name>`` answers it:

* the route lies under ``/teacher/``, so `ui.teacher.TeacherGate` refuses it (401) without
  the teacher page's login cookie, and it answers 404 unless the cookie's teacher made it:
  the file is looked for in that teacher's own folder only;
* the file is read and deleted (`TeacherReview.take_export`): a second request, another
  teacher, or a request after logout or after the student's deletion gets 404;
* ``Content-Disposition: attachment`` and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import html

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from gradio.routes import App
from starlette.routing import Mount, Route

from tutor.teaching.review import TeacherReview

PREFIX = "/teacher/exports/"
NOT_FOUND = "No such export. Exports can be downloaded once, within 15 minutes; export again."


def link(name: str) -> str:
    """HTML for the page: a download link relative to ``/teacher/`` (works behind a prefix)."""
    quoted = html.escape(name, quote=True)
    return (
        f'<p><a href="exports/{quoted}" download="{quoted}">Download {quoted}</a></p>'
        '<p class="meta">The file can be downloaded once, within 15 minutes; it is then deleted from the server.</p>'
    )


def _teacher_username(app: FastAPI, request: Request) -> str | None:
    """The user name behind the teacher page's login cookie, or None."""
    served = next((r.app for r in app.routes if isinstance(r, Mount) and r.path == "/teacher"), None)
    if not isinstance(served, App):  # None: the teacher page is not mounted
        return None
    for name in (f"access-token-{served.cookie_id}", f"access-token-unsecure-{served.cookie_id}"):
        token = request.cookies.get(name)
        username = served.tokens.get(token) if token else None
        if username:
            return str(username)
    return None


def mount(app: FastAPI, review: TeacherReview) -> None:
    """Add ``GET /teacher/exports/{name}`` in front of every other route of ``app`` (the
    ``/teacher`` Gradio mount would otherwise answer it); callable after the mounts."""

    async def download(request: Request) -> Response:
        username = _teacher_username(app, request)
        teacher_id = review.teacher_id(username) if username else None
        if teacher_id is None:
            return PlainTextResponse("Not authenticated", status_code=401)
        taken = review.take_export(teacher_id, request.path_params["name"])
        if taken is None:
            return PlainTextResponse(NOT_FOUND, status_code=404)
        name, body = taken
        media = "text/csv; charset=utf-8" if name.endswith(".csv") else "application/json"
        headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
        return Response(body, media_type=media, headers=headers)

    app.router.routes.insert(0, Route(PREFIX + "{name}", download, methods=["GET"], include_in_schema=False))
