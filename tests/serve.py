"""A real ``transformers serve`` process with the demo model on CPU, for the remote backend.

Started on a free 127.0.0.1 port from the ordinary model folder the foundation caches, waited
for (``/health`` plus one streamed token, so the model is loaded), stopped at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tutor.model_source import DEMO_MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """``transformers serve`` on a free loopback port.

    Defaults are the tests' (float32, one OpenMP thread, one request at a time);
    ``bench/bench_peers.py`` asks for ``continuous_batching=True``, the app's CPU dtype and all
    cores (``threads=None`` leaves ``OMP_NUM_THREADS`` as the environment has it)."""

    def __init__(
        self,
        model_dir: Path,
        log_path: Path,
        continuous_batching: bool = False,
        dtype: str = "float32",
        threads: int | None = 1,
    ):
        self.model = str(model_dir)
        self.continuous_batching = continuous_batching
        self.dtype = dtype
        self.threads = threads
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root}/v1"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> ServeProcess:
        cli = Path(sys.executable).with_name("transformers")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"}
        if self.threads is not None:
            env["OMP_NUM_THREADS"] = str(self.threads)
        args = [
            str(cli),
            "serve",
            self.model,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--device",
            "cpu",
            "--dtype",
            self.dtype,
        ]
        if self.continuous_batching:
            args.append("--continuous-batching")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open while the server runs; closed in stop()
        self.proc = subprocess.Popen(
            args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: stopped as one, never a stray child
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"transformers serve exited ({self.proc.returncode}):\n{self.log()}")
            try:
                if httpx.get(f"{self.root}/health", timeout=1).status_code == 200 and self._one_token():
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"transformers serve was not ready in {timeout:.0f} s:\n{self.log()}")

    def _one_token(self) -> bool:
        body = {"model": self.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1, "stream": False}
        return httpx.post(f"{self.base_url}/chat/completions", json=body, timeout=60).status_code == 200

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture(scope="session")
def serve(data_dir, tmp_path_factory) -> Iterator[ServeProcess]:
    """``transformers serve`` with the demo model, shared by the tests of one run."""
    process = ServeProcess(data_dir / "models" / DEMO_MODEL, tmp_path_factory.mktemp("serve") / "serve.log").start()
    try:
        yield process
    finally:
        process.stop()
