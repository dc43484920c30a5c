"""Start the math tutor: ``python app.py [--host H] [--port N]`` (see README for settings)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from storage import Store, make_engine, upgrade
from storage.admin import bootstrap_teacher
from tutor import checking
from tutor.backends.factory import create_backend, is_reasoning_model
from tutor.config import Settings
from tutor.parts import Parts
from ui.server import build_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", help="address to listen on (TUTOR_HOST)")
    parser.add_argument("--port", type=int, help="port (TUTOR_PORT)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    store = Store(engine)
    store.mark_interrupted()
    backend, generation = create_backend(settings)
    checking.warm_up()  # the checker's worker processes import sympy now, not on the first check
    parts = Parts.assemble(
        backend,
        store,
        generation,
        settings.data_dir,
        max_question_chars=settings.max_question_chars,
        worked_example=not is_reasoning_model(backend.model_id),
    )
    password = settings.teacher_password.get_secret_value() if settings.teacher_password else None
    bootstrap_teacher(parts.review.school, settings.teacher_user, password)
    print(f"Math tutor: http://{settings.host}:{settings.port}/  (model: {backend.model_id})", flush=True)
    app = build_app(parts, settings.data_dir, https=settings.behind_tls)
    uvicorn.run(app, **server_options(settings))


def server_options(settings: Settings) -> dict:
    """uvicorn's settings: forwarded headers are believed only from ``TUTOR_TRUSTED_PROXIES``."""
    proxies = settings.trusted_proxies
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "timeout_graceful_shutdown": 5,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or "",
    }


if __name__ == "__main__":
    main()
