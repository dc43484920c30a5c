"""The remote engine against a real ``transformers serve`` process running the demo model.

Failure paths use real sockets: a closed port (server down), a port that accepts and never
answers (server hung), the real server's own HTTP error, and a small HTTP server replaying a
vLLM-style stream (``reasoning_content``) the demo model cannot produce.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, free_port, new_store
from tests.serve import serve  # noqa: F401 - the transformers serve fixture
from tutor.backends import GenerationError, GenerationSettings
from tutor.backends.factory import create_backend
from tutor.backends.openai_backend import OpenAIBackend
from tutor.config import Settings
from tutor.reply_parser import parse_reply
from tutor.service import TutorService
from ui.server import build_app

QUESTION = [{"role": "system", "content": "You are a maths tutor."}, {"role": "user", "content": "What is 2 + 3?"}]
LONG = [{"role": "user", "content": "Write a very long story about numbers."}]
GREEDY = GenerationSettings(max_new_tokens=24, temperature=0)


def test_streams_a_reply_in_several_chunks(serve):
    backend = OpenAIBackend(serve.base_url, serve.model)
    assert backend.ready()
    generation = backend.stream(QUESTION, GREEDY)
    chunks = list(generation)
    assert len(chunks) >= 3
    text = "".join(chunks)
    assert len(text.split()) >= 3 and "<|im_end|>" not in text
    assert generation.done.is_set()


def test_the_factory_builds_it_from_settings(serve):
    backend, generation = create_backend(Settings(backend="openai", openai_base_url=serve.base_url, model=serve.model))
    assert isinstance(backend, OpenAIBackend) and backend.model_id == serve.model
    assert generation.temperature == 0  # the demo model decodes greedily, whichever engine runs it
    with pytest.raises(ValueError, match="TUTOR_OPENAI_BASE_URL"):
        create_backend(Settings(backend="openai"))


def test_stop_closes_the_stream_and_the_server_moves_on(serve):
    backend = OpenAIBackend(serve.base_url, serve.model)
    generation = backend.stream(LONG, GenerationSettings(max_new_tokens=2000, temperature=0))
    next(generation)
    next(generation)
    generation.cancel()
    assert generation.done.wait(2.0), "the stream was not closed after Stop"
    # transformers serve runs one request at a time here: had it kept generating 2000 tokens
    # for the closed stream, the next question would wait a minute or more.
    start = time.monotonic()
    nxt = backend.stream(QUESTION, GenerationSettings(max_new_tokens=4, temperature=0))
    next(nxt)
    assert time.monotonic() - start < 15
    list(nxt)


def test_server_down_is_a_clear_error_not_a_hang(store):
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "any", stall_timeout=5)
    assert not backend.ready()
    start = time.monotonic()
    with pytest.raises(GenerationError, match="cannot be reached"):
        list(backend.stream(QUESTION, GREEDY))
    assert time.monotonic() - start < 5
    svc = TutorService(backend, store, GREEDY)
    views = list(svc.ask("student-token-cccccccccccc", "What is 2 + 3?"))
    assert views[-1].status == "failed" and "cannot be reached" in views[-1].notice and "saved" in views[-1].notice
    saved = store.message_for_student(views[0].message_id, svc.student("student-token-cccccccccccc").id)
    assert saved.question == "What is 2 + 3?" and saved.status == "failed"


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections (the kernel does), never replies
        backend = OpenAIBackend(f"http://127.0.0.1:{listener.getsockname()[1]}/v1", "any", stall_timeout=1.0)
        start = time.monotonic()
        with pytest.raises(GenerationError, match="did not respond"):
            list(backend.stream(QUESTION, GREEDY))
        assert time.monotonic() - start < 5


def test_an_http_error_from_the_real_server_reaches_the_student(serve):
    backend = OpenAIBackend(serve.base_url, "a-model-it-does-not-serve")
    with pytest.raises(GenerationError, match="400"):
        list(backend.stream(QUESTION, GREEDY))


class _VLLMStyle(BaseHTTPRequestHandler):
    """Replays what ``vllm serve --reasoning-parser`` streams: reasoning apart from content,
    optionally cut off mid-reply."""

    cut_off = False

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert body["stream"] is True and body["max_tokens"] == 24
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        deltas = [{"role": "assistant"}, {"reasoning_content": "3x = 6, "}, {"reasoning_content": "so x = 2."}, {"content": "Divide by 3: "}, {"content": "$\\boxed{2}$"}]
        if self.cut_off:
            deltas = deltas[:3]
        for delta in deltas:
            self.wfile.write(f"data: {json.dumps({'choices': [{'index': 0, 'delta': delta}]})}\n\n".encode())
            self.wfile.flush()
        if not self.cut_off:
            self.wfile.write(b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("cut_off", [False, True])
def test_reasoning_content_becomes_the_thinking_block(cut_off):
    handler = type("Handler", (_VLLMStyle,), {"cut_off": cut_off})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = OpenAIBackend(f"http://127.0.0.1:{server.server_address[1]}/v1", "microsoft/Phi-4-mini-reasoning")
        chunks: list[str] = []
        if cut_off:
            with pytest.raises(GenerationError, match="before the reply was finished"):
                for chunk in backend.stream(QUESTION, GREEDY):
                    chunks.append(chunk)
            assert parse_reply("".join(chunks)).reasoning == "3x = 6, so x = 2."
        else:
            parsed = parse_reply("".join(backend.stream(QUESTION, GREEDY)))
            assert parsed.reasoning == "3x = 6, so x = 2."
            assert parsed.solution.startswith("Divide by 3") and parsed.final_answer == "2"
    finally:
        server.shutdown()


def test_the_page_streams_through_the_remote_backend(tmp_path, browser, serve):
    backend = OpenAIBackend(serve.base_url, serve.model)
    service = TutorService(backend, new_store(tmp_path / "tutor.db"), GenerationSettings(max_new_tokens=150, temperature=0))
    with LiveServer(build_app(service, tmp_path)) as server:
        page = browser.new_page()
        page.goto(server.url)
        box = page.get_by_label("Question")
        box.fill("Solve 3x + 5 = 11")
        box.press("Enter")
        expect(page.get_by_role("button", name="Stop")).to_be_visible(timeout=15_000)
        solution = page.locator("#solution")
        expect(solution).to_contain_text(re.compile(r"\w+ \w+ \w+"), timeout=30_000)  # streamed words
        lengths = {len(solution.inner_text())}
        while page.get_by_role("button", name="Stop").is_visible() and len(lengths) < 3:
            lengths.add(len(solution.inner_text()))
            time.sleep(0.05)
        assert len(lengths) >= 3, "the reply did not grow on the page while it streamed"
        expect(page.get_by_role("button", name="Solve")).to_be_visible(timeout=60_000)
        assert len(solution.inner_text()) >= max(lengths)
        page.close()
