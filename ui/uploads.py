"""No uploads: neither page has a component that takes a file (issue 11 row 11).

Gradio always registers ``POST …/gradio_api/upload`` and, by default, takes files of any
size from anyone and keeps them in its cache until restart (a 200 MB upload was accepted
without a login). Gradio cannot drop the route, so `refuse_uploads`:

* puts `NoUploads` (pure ASGI) inside every mounted Gradio app, so the teacher app's login
  gate still answers first (401) and a signed-in request, or any request to the student
  app, gets 403 before a byte of the body is read;
* sets Gradio's own ``max_file_size`` (`MAX_UPLOAD_BYTES`) on every Gradio app, should an
  upload route ever be wanted again;
* `CACHE_LIFETIME` is the ``delete_cache`` both pages' ``gr.Blocks`` are built with (Gradio
  reads it when the app is created, so it cannot be set here): files Gradio made are deleted
  15 minutes after creation, checked every 5 minutes.

Call it on the parent app after the Gradio apps are mounted and before it serves.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from gradio.routes import App
from starlette.responses import PlainTextResponse
from starlette.routing import Mount

MAX_UPLOAD_BYTES = 1_000_000
CACHE_LIFETIME = (300, 900)
"""(frequency, age) in seconds, as ``gr.Blocks(delete_cache=…)`` takes it."""
REFUSED = "This app accepts no file uploads."
_UPLOAD = re.compile(r"/gradio_api/upload/*$")


class NoUploads:
    """Pure ASGI: 403 for any request to a Gradio upload route, the body unread."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and _UPLOAD.search(scope["path"]):
            await PlainTextResponse(REFUSED, status_code=403, headers={"Connection": "close"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def refuse_uploads(app: FastAPI) -> FastAPI:
    """Apply the above to every Gradio app mounted on ``app``; returns ``app``."""
    for route in app.routes:
        if not (isinstance(route, Mount) and isinstance(route.app, App)):  # a Gradio app
            continue
        gradio_app = route.app
        gradio_app.add_middleware(NoUploads)
        blocks = gradio_app.get_blocks()
        blocks.max_file_size = MAX_UPLOAD_BYTES
    return app
