"""HTTP hardening in front of both pages (issue 11, rows 1 and 5).

Gradio's defaults, combined, let a page on another origin read a teacher's session:
its CORS middleware reflects any ``Origin`` with ``Allow-Credentials: true`` whenever the
Host is not localhost, its login cookie is ``SameSite=None``, and ``/gradio_api/token``
returns the HttpOnly token as JSON. Here:

* Starlette's own ``CORSMiddleware`` with no allowed origin is installed on the parent app;
  Gradio then leaves CORS to it (``CustomCORSMiddleware.parent_configures_cors``), so no
  foreign origin ever gets an ``Access-Control-Allow-*`` header (a preflight gets 400);
* every ``Set-Cookie`` is rewritten to ``SameSite=Lax``;
* ``…/gradio_api/token`` answers 403 to any request that a browser marks as coming from
  another site (``Sec-Fetch-Site``) or whose ``Origin`` differs from its Host;
* behind TLS (``TUTOR_PUBLIC_URL=https://…``; issue 11 row 2) Gradio's non-Secure copy of
  the login cookie (``access-token-unsecure-*``) is never set, every cookie is ``Secure`` and
  responses carry HSTS, so a plain-HTTP request to the same host never sees a session;
* Gradio's ``/gradio_api/openapi.json`` answers 404 on both pages;
* every response carries ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin`` and the CSP below (``frame-ancestors 'none'``; scripts,
  styles, fonts, images and connections from this origin only). Gradio's front end needs
  inline scripts, ``eval`` (``js=`` handlers) and inline styles, hence those sources.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}
HSTS = "max-age=31536000"
"""One year, this host only (``includeSubDomains`` would bind a school's other sites)."""
_SAMESITE = re.compile(r";\s*samesite=[a-z]+", re.I)
_SECURE = re.compile(r";\s*secure\s*(?=;|$)", re.I)
_UNSECURE_COOKIE = "access-token-unsecure-"
_TOKEN_PATH = re.compile(r"/gradio_api/token/?$")
_SCHEMA_PATH = re.compile(r"/gradio_api/openapi\.json$")
"""Gradio publishes its routes' OpenAPI schema there; nothing here needs it (row 16)."""


def _foreign(headers: Headers) -> bool:
    """Does the browser say this request comes from another site or origin?"""
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        return True
    origin = headers.get("origin")
    if not origin:
        return False
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


def _lax(cookie: str, secure: bool) -> str:
    cookie = _SAMESITE.sub("", cookie) + "; SameSite=Lax"
    return _SECURE.sub("", cookie) + "; Secure" if secure else cookie


class SecurityHeaders:
    """Pure ASGI: headers on every response, Lax cookies, no token for foreign pages."""

    def __init__(self, app, https: bool = False) -> None:
        self.app = app
        self.https = https
        self.headers = {**HEADERS, "Strict-Transport-Security": HSTS} if https else HEADERS

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _SCHEMA_PATH.search(scope["path"]):
            await JSONResponse({"detail": "Not Found"}, status_code=404, headers=self.headers)(scope, receive, send)
            return
        if _TOKEN_PATH.search(scope["path"]) and _foreign(Headers(scope=scope)):
            await JSONResponse({"detail": "Forbidden"}, status_code=403, headers=self.headers)(scope, receive, send)
            return

        async def send_hardened(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        if not (self.https and cookie.lstrip().startswith(_UNSECURE_COOKIE)):
                            headers.append("set-cookie", _lax(cookie, self.https))
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_hardened)


def harden(app: FastAPI, https: bool = False) -> None:
    """Install both layers on the parent app (before any Gradio app is mounted on it).

    ``https``: the app is reached over TLS (directly or through a proxy)."""
    app.add_middleware(CORSMiddleware, allow_origins=[], allow_credentials=False)
    app.add_middleware(SecurityHeaders, https=https)
