"""Demo-model latency as a student feels it: first token, tokens/s, page load, first text on the page.

    python bench/bench_foundation.py [--runs 3] [--tokens 128]

Prints one table. Absolute times on a shared 2-core machine are noisy: read them as the
order of magnitude a student waits, and compare rows within one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.transformers_backend import TransformersBackend
from tutor.model_source import locate
from tutor.service import SYSTEM_PROMPT, TutorService
from ui.server import build_app

QUESTION = "Solve 3x^2+4x+5=1"


def backend_run(backend: TransformersBackend, tokens: int) -> tuple[float, float]:
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": QUESTION}]
    start = time.perf_counter()
    first, text = None, ""
    for chunk in backend.stream(messages, GenerationSettings(max_new_tokens=tokens, temperature=0)):
        first = first or time.perf_counter() - start
        text += chunk
    elapsed = time.perf_counter() - start
    n = len(backend.tokenizer(text, add_special_tokens=False)["input_ids"])
    return first, n / elapsed


def page_run(browser, url: str) -> tuple[float, float]:
    page = browser.new_page()
    start = time.perf_counter()
    page.goto(url)
    box = page.get_by_label("Question")
    box.wait_for()
    page.wait_for_function("() => !document.querySelector('textarea, input[type=text]').disabled")
    loaded = time.perf_counter() - start
    box.fill(QUESTION)
    start = time.perf_counter()
    box.press("Enter")
    page.get_by_role("button", name="Stop").wait_for()
    page.wait_for_function(
        "() => ['#reasoning', '#solution'].some(s => (document.querySelector(s)?.innerText || "
        "'').trim().split(/\\s+/).length > 2)"
    )
    shown = time.perf_counter() - start
    page.get_by_role("button", name="Stop").click()
    page.close()
    return loaded, shown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--data-dir", default="data")
    args = parser.parse_args()
    backend = TransformersBackend.load(locate(None, Path(args.data_dir)), cuda=False)
    backend_run(backend, 8)  # warm-up
    firsts, rates = zip(*(backend_run(backend, args.tokens) for _ in range(args.runs)))

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        service = TutorService(
            backend, new_store(Path(tmp) / "b.db"), GenerationSettings(max_new_tokens=args.tokens, temperature=0)
        )
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with LiveServer(build_app(service, Path(tmp))) as server:
            page_run(browser, server.url)  # warm-up (KaTeX and assets cached by nothing: each page is new)
            loads, shows = zip(*(page_run(browser, server.url) for _ in range(args.runs)))
        browser.close()

    print(f"{'measure':42} {'median':>9} {'min':>9} {'max':>9}")
    for name, values, unit in [
        ("first token from the backend", firsts, "s"),
        ("tokens/s, one stream, backend", rates, "tok/s"),
        ("page load until Question is usable", loads, "s"),
        ("Enter -> first words visible on the page", shows, "s"),
    ]:
        print(f"{name + ' (' + unit + ')':42} {statistics.median(values):9.2f} {min(values):9.2f} {max(values):9.2f}")


if __name__ == "__main__":
    main()
