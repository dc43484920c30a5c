"""How the student page keeps up with a long streamed reply (a benchmark, not a test).

    .venv/bin/python bench/bench_page.py [--tokens 3000] [--rate 200] [--profile] [--unsplit] [--dir-guard]

A scripted backend streams a realistic reasoning-model reply of TOKENS chunks (one chunk is one
token: a ``<think>`` part of half the tokens, then a numbered solution with inline ``\\(…\\)``
and display ``\\[…\\]`` formulas, dollar prices and a final ``\\boxed{}``) at RATE tokens/s into
the real app (ui.server.build_app, TutorService, uvicorn on a free port), read by headless
Chromium. Measured in the browser:

- UI updates per second on screen: the queue's server-sent updates (``process_generating``,
  counted as they arrive by wrapping ``fetch``) that were followed, before the next one
  arrived, by an animation frame in which the conversation element (``#conversation``) changed
  (a MutationObserver on it, nodes and text only; all mutations before one frame count once), from the first update
  after Enter to the backend's last chunk; also the slowest whole second. The updates received,
  the frames with changes, and the server's count of views sent (``TutorService.ask``'s
  yields) are printed beside it.
- The longest main-thread task (PerformanceObserver ``longtask``, installed before navigation)
  and how many long tasks took over 200 ms, from Enter until the final text is on screen.
- Final text: how long after the backend's last chunk the final answer's KaTeX (the
  ``Final answer`` block) and the reply's last sentence are both on screen. The computer
  algebra is warmed first, as on a server that has answered a question already (its very
  first cross-check takes about a second more).

``--profile`` also records a Chromium CPU profile (CDP Profiler) of the stream and prints the
functions with the most self time (the profiler slows the page, so its run's figures are
not the benchmark's). ``--unsplit`` shows the solution as one chat message, as the page did
before ui/chat.py split long replies (``SEAL_CHARS``), for comparison; ``--dir-guard`` injects
``DIR_GUARD``, a fix proposed for the page's HEAD script (see its note). Also printed: updates on
screen and long-task time second by second, and the browser main thread's time per second of
the thinking and the solution phases (CDP Performance metrics: script, layout, style).
Prints one markdown table with the targets: ≥ 10 updates/s, no long task over 200 ms, final
text within 1 s of the stream's end. Under other load on the machine the figures vary by tens
of percent from run to run; run it twice.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.base import Backend
from tutor.checking.cross_check import cross_check
from tutor.service import TutorService
from ui.server import build_app

QUESTION = "Solve x^2 - 5x + 6 = 0"
LAST_SENTENCE = "Both roots check out, so the solution is complete."
TARGET_UPDATES, TARGET_LONGTASK_MS, TARGET_FINAL_S = 10.0, 200.0, 1.0

_TOKEN = re.compile(r"\s*(?:\\[A-Za-z]+|[A-Za-z]+|\d|[^\sA-Za-z\d])|\s+")
"""Roughly how a BPE tokenizer splits maths prose: words, LaTeX commands, single digits, symbols."""


def tokens_of(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _think_paragraphs():
    yield (
        "The equation is \\(x^2 - 5x + 6 = 0\\), a quadratic. I could factor it, complete the square, "
        "or use the quadratic formula. Let me look for two numbers whose product is 6 and whose sum is -5.\n\n"
    )
    k = 0
    while True:
        k += 1
        a, b = k % 7 + 1, (k * 3) % 11 + 2
        yield (
            f"Try the pair {a} and {b}: their product is \\({a} \\cdot {b} = {a * b}\\) and their sum is {a + b}. "
            f"{'That matches 6 but' if a * b == 6 else 'That is not 6, so'} this is not it unless both are negative. "
            f"With -{a} and -{b} the sum is \\(-{a} - {b} = -{a + b}\\) and the product is {a * b}. Hmm, wait. "
            f"If a sandwich costs ${a} and a drink costs ${b}, the bill is ${a + b}, which is the same kind of sum. "
            f"Let me recheck with the formula: \\(x = \\frac{{5 \\pm \\sqrt{{25 - 24}}}}{{2}} = \\frac{{5 \\pm 1}}{{2}}\\), so x = 3 or x = 2. "
            f"Check x = 2: \\(4 - 10 + 6 = 0\\). Check x = 3: \\(9 - 15 + 6 = 0\\). Good, but let me be careful about step {k}.\n\n"
        )


def _solution_steps():
    yield "We solve \\(x^2 - 5x + 6 = 0\\) step by step.\n\n"
    yield (
        "1. **Identify the coefficients.** Comparing with \\(ax^2 + bx + c = 0\\) gives "
        "\\(a = 1\\), \\(b = -5\\) and \\(c = 6\\).\n\n"
    )
    yield (
        "2. **Compute the discriminant.**\n\\[\n\\Delta = b^2 - 4ac = (-5)^2 - 4 \\cdot 1 \\cdot 6 = 25 - 24 = 1.\n\\]\n"
        "Since \\(\\Delta > 0\\), there are two distinct real roots.\n\n"
    )
    yield (
        "3. **Apply the quadratic formula.**\n\\[\nx = \\frac{-b \\pm \\sqrt{\\Delta}}{2a} = \\frac{5 \\pm 1}{2}.\n\\]\n"
        "So \\(x_1 = \\frac{6}{2} = 3\\) and \\(x_2 = \\frac{4}{2} = 2\\).\n\n"
    )
    n = 3
    while True:
        n += 1
        x = n % 5 + 1
        value = x * x - 5 * x + 6
        yield (
            f"{n}. **Check by substitution, case {n - 3}.** Put \\(x = {x}\\) into the left-hand side:\n"
            f"\\[\n{x}^2 - 5 \\cdot {x} + 6 = {x * x} - {5 * x} + 6 = {value}.\n\\]\n"
            f"{'It is zero, so' if value == 0 else 'It is not zero, so'} \\(x = {x}\\) "
            f"{'is' if value == 0 else 'is not'} a root. "
            f"(As a sanity check with money: paying ${x * x} and getting back ${5 * x} then ${6} leaves ${value}.) "
            f"The factored form \\((x - 2)(x - 3)\\) gives \\(({x} - 2)({x} - 3) = {(x - 2) * (x - 3)}\\), the same.\n\n"
        )


def reply_chunks(total: int) -> list[str]:
    """About ``total`` tokens: half reasoning, half solution, ending in the boxed answer and LAST_SENTENCE."""
    tail = tokens_of("**Answer:** \\(\\boxed{x = 2 \\text{ or } x = 3}\\)\n\n" + LAST_SENTENCE)
    think: list[str] = ["<think>"]
    for paragraph in _think_paragraphs():
        if len(think) >= total // 2:
            break
        think += tokens_of(paragraph)
    think = [*think[: total // 2], "\n\n"]
    solution: list[str] = ["</think>", "\n\n"]
    room = total - len(think) - len(tail)
    for step in _solution_steps():
        step = tokens_of(step)
        if len(solution) + len(step) > room:
            break
        solution += step
    filler = tokens_of("Note that every step above can be checked the same way. " * 50)
    solution += [*filler[: max(room - len(solution) - 2, 0)], ".", "\n\n"]
    return think + solution + tail


class PacedBackend(Backend):
    """Emits one chunk per token at ``rate`` tokens/s on a fixed schedule (no drift from sleep
    overshoot); records when the last chunk went out."""

    model_id = "bench-paced"

    def __init__(self, chunks: list[str], rate: float):
        self.chunks, self.rate = chunks, rate
        self.first_at = self.last_at = self.think_end_at = 0.0

    def execute(self, messages, settings, emit, cancelled):
        started = time.monotonic()
        self.first_at = time.time()
        for i, chunk in enumerate(self.chunks):
            if cancelled.is_set():
                return None
            wait = started + i / self.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            emit(chunk)
            if chunk == "</think>":
                self.think_end_at = time.time()
        self.last_at = time.time()
        return None


INIT = r"""
window.__bench = { longtasks: [], frames: [], messages: [], finalAt: null };
const realFetch = window.fetch;
window.fetch = async (...args) => {  // counts the queue's server-sent events as they arrive
  const response = await realFetch(...args);
  const url = String(args[0] && args[0].url || args[0]);
  if (url.includes("/queue/data") && response.body) {
    const reader = response.clone().body.getReader(), decoder = new TextDecoder();
    (async () => {
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          if (/"msg":\s*"process_(generating|completed)"/.test(buffer.slice(0, end))) window.__bench.messages.push(performance.timeOrigin + performance.now());
          buffer = buffer.slice(end + 2);
        }
      }
    })();
  }
  return response;
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__bench.longtasks.push({ start: performance.timeOrigin + e.startTime, duration: e.duration });
}).observe({ entryTypes: ["longtask"] });
"""
DIR_GUARD = r"""
(() => {  // assigning an element's dir its current value is a no-op
  const dir = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "dir");
  Object.defineProperty(HTMLElement.prototype, "dir", {
    configurable: true, enumerable: dir.enumerable, get: dir.get,
    set(value) { if (dir.get.call(this) !== String(value)) dir.set.call(this, value); },
  });
})();
"""
"""The fix proposed for the page's HEAD script (``--dir-guard`` tries it): Gradio's chatbot sets
``dir`` on every message's element on every update, and Chromium takes each assignment, even
of the same value, as a ``:dir()`` change of the element's whole subtree, so every update
restyles the whole conversation (every KaTeX span of every message, earlier turns included)."""
WATCH = """(last) => {
  const b = window.__bench, conv = document.querySelector("#conversation");
  let scheduled = false;
  const finalOnScreen = () => {
    const bots = conv.querySelectorAll(".message.bot, .bot.message, [data-testid='bot']");
    const lastBot = bots[bots.length - 1];
    if (!lastBot || !lastBot.textContent.includes(last)) return false;
    const strongs = [...lastBot.querySelectorAll("strong")].filter((s) => s.textContent.trim() === "Final answer");
    return strongs.length > 0 && lastBot.querySelectorAll(".katex-display .katex-mathml").length > 0
      && [...lastBot.querySelectorAll(".katex-display")].some((k) => strongs[0].compareDocumentPosition(k) & Node.DOCUMENT_POSITION_FOLLOWING);
  };
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const now = performance.timeOrigin + performance.now();
      b.frames.push(now);
      if (b.finalAt === null && finalOnScreen()) b.finalAt = now;
    });
  }).observe(conv, { childList: true, subtree: true, characterData: true });  // not attributes: Gradio re-sets some on every update, changed or not
}"""


def self_times(profile: dict, top: int) -> list[tuple[float, str]]:
    """Functions with the most self time (ms) in a CDP Profiler profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    spent: Counter[str] = Counter()
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node_id]["callFrame"]
        url = frame["url"].rsplit("/", 1)[-1][:40]
        spent[f"{frame['functionName'] or '(anonymous)'} {url}:{frame['lineNumber']}:{frame['columnNumber']}"] += (
            delta / 1000
        )
    return [(ms, name) for name, ms in spent.most_common(top)]


METRICS = {
    "ScriptDuration": "script",
    "LayoutDuration": "layout",
    "RecalcStyleDuration": "style",
    "TaskDuration": "all tasks",
    "ThreadTime": "CPU",
}
COUNTS = {"RecalcStyleCount": "style recalcs", "LayoutCount": "layouts"}


def busy(samples: list[tuple[float, dict]], start: float, end: float) -> dict[str, float]:
    """Main-thread milliseconds per second of wall time between ``start`` and ``end`` (the
    nearest polls), per CDP Performance metric: durations of script, layout, style, all tasks,
    and the renderer main thread's CPU time."""
    first = min(samples, key=lambda s: abs(s[0] - start))
    last = min(samples, key=lambda s: abs(s[0] - end))
    wall = max(last[0] - first[0], 0.001)
    spent = {label: (last[1].get(key, 0) - first[1].get(key, 0)) * 1000 / wall for key, label in METRICS.items()}
    return spent | {label + "/s": (last[1].get(key, 0) - first[1].get(key, 0)) / wall for key, label in COUNTS.items()}


def run(tokens: int, rate: float, profile: bool, dir_guard: bool = False) -> dict:
    chunks = reply_chunks(tokens)
    cross_check(QUESTION, "x = 2")  # a running server has its computer algebra warm; the first check takes ~1 s
    backend = PacedBackend(chunks, rate)
    folder = Path(tempfile.mkdtemp(prefix="bench-page-"))
    service = TutorService(
        backend, new_store(folder / "tutor.db"), GenerationSettings(max_new_tokens=len(chunks) + 100)
    )
    views, final_view_at = 0, 0.0
    ask = service.ask

    def counted(*args, **kwargs):
        nonlocal views, final_view_at
        for view in ask(*args, **kwargs):
            views += 1
            if view.status != "generating":
                final_view_at = time.time()
            yield view

    service.ask = counted
    from playwright.sync_api import sync_playwright

    try:
        with LiveServer(build_app(service, folder)) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(INIT + (DIR_GUARD if dir_guard else ""))
            page.goto(server.url)
            box = page.get_by_label("Question")
            box.fill(QUESTION)  # waits until the page load has enabled it
            page.evaluate(WATCH, LAST_SENTENCE)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
            samples = []  # (wall time, main-thread metrics) every poll
            if profile:
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 500})
                cdp.send("Profiler.start")
            sent = time.time() * 1000
            box.press("Enter")
            deadline = time.monotonic() + len(chunks) / rate + 60
            while time.monotonic() < deadline:
                samples.append(
                    (time.time(), {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]})
                )
                if page.evaluate("window.__bench.finalAt") is not None:
                    break
                time.sleep(0.25)
            page.wait_for_timeout(500)  # the long tasks of the last frames are reported a little late
            found = page.evaluate("window.__bench")
            samples.append(
                (time.time(), {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]})
            )
            hot = self_times(cdp.send("Profiler.stop")["profile"], 20) if profile else []
            chars = page.evaluate("document.querySelector('#conversation').textContent.length")
            browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    end = backend.last_at * 1000
    frames = sorted(f for f in found["frames"] if f >= sent)
    arrivals = sorted(set(m for m in found["messages"] if sent <= m <= end))
    # an update is on screen when a frame that changed #conversation followed its arrival
    # before the next update arrived (updates the page had no frame for are merged or lost)
    shown, j = [], 0
    for i, arrived in enumerate(arrivals):
        until = arrivals[i + 1] if i + 1 < len(arrivals) else arrived + 1000
        while j < len(frames) and frames[j] < arrived:
            j += 1
        if j < len(frames) and frames[j] < until:
            shown.append(frames[j])
    first = arrivals[0] if arrivals else end
    span = max(end - first, 1)
    whole = int(span // 1000)

    def per_second(times: list[float]) -> list[int]:
        counts = Counter(int((t - first) // 1000) for t in times if first <= t < first + whole * 1000)
        return [counts.get(i, 0) for i in range(whole)]

    final_at = found["finalAt"]
    tasks = [t for t in found["longtasks"] if t["start"] + t["duration"] >= sent]
    phases = {"thinking": (sent / 1000, backend.think_end_at), "solution": (backend.think_end_at, backend.last_at)}
    shown_by_second = per_second(shown)
    return {
        "main_thread": {name: busy(samples, *bounds) for name, bounds in phases.items()},
        "tokens": len(chunks),
        "rate": rate,
        "stream_s": (backend.last_at - backend.first_at),
        "updates": len([t for t in shown if t <= end]) / (span / 1000),
        "slowest_second": min(shown_by_second, default=0),
        "by_second": shown_by_second,
        "frames": len([f for f in frames if first <= f <= end]) / (span / 1000),
        "messages": len(arrivals) / (span / 1000),
        "slowest_messages": min(per_second(arrivals), default=0),
        "views": views,
        "server_final_s": final_view_at - backend.last_at,
        "longest": max((t["duration"] for t in tasks), default=0.0),
        "over_200": sum(t["duration"] > TARGET_LONGTASK_MS for t in tasks),
        "long_tasks": len(tasks),
        "long_ms": sum(t["duration"] for t in tasks),
        "long_by_second": [
            round(sum(t["duration"] for t in tasks if int((t["start"] - first) // 1000) == i)) for i in range(whole + 1)
        ],
        "final_s": None if final_at is None else (final_at - end) / 1000,
        "chars": chars,
        "hot": hot,
    }


def met(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def table(r: dict) -> str:
    final = "never (60 s)" if r["final_s"] is None else f"{r['final_s']:.2f} s"
    rows = [
        (
            "UI updates/s on screen (server-sent updates followed by a #conversation DOM change), whole stream",
            f"{r['updates']:.1f}",
            "≥ 10",
            met(r["updates"] >= TARGET_UPDATES),
        ),
        (
            "UI updates on screen in the slowest whole second of the stream",
            f"{r['slowest_second']}",
            "≥ 10",
            met(r["slowest_second"] >= TARGET_UPDATES),
        ),
        (
            "(for comparison) updates received per second, whole stream / slowest second; animation frames with DOM changes per second",
            f"{r['messages']:.1f} / {r['slowest_messages']}; {r['frames']:.1f}",
            "",
            "",
        ),
        (
            "longest main-thread task (longtask)",
            f"{r['longest']:.0f} ms",
            "≤ 200 ms",
            met(r["longest"] <= TARGET_LONGTASK_MS),
        ),
        ("long tasks over 200 ms", f"{r['over_200']}", "0", met(r["over_200"] == 0)),
        (
            "final text on screen after the backend's last chunk",
            final,
            "≤ 1 s",
            met(r["final_s"] is not None and r["final_s"] <= TARGET_FINAL_S),
        ),
    ]
    breakdown = [
        f"{phase}: " + ", ".join(f"{label} {ms:.0f}" for label, ms in spent.items())
        for phase, spent in r["main_thread"].items()
    ]
    lines = [
        f"Streamed {r['tokens']} tokens at {r['rate']:g} tokens/s ({r['stream_s']:.1f} s); server sent {r['views']} views "
        f"({r['views'] / max(r['stream_s'], 0.001):.1f}/s), the final one {r['server_final_s']:.2f} s after the last chunk; all long tasks (> 50 ms): {r['long_tasks']}, {r['long_ms'] / 1000:.1f} s in all; "
        f"conversation text at the end: {r['chars']} characters.",
        f"Updates on screen second by second: {' '.join(map(str, r['by_second']))}; long-task ms second by second: "
        f"{' '.join(map(str, r['long_by_second']))}.",
        "Browser main thread, ms per second of stream (CDP Performance metrics) — " + "; ".join(breakdown) + ".",
        "",
        "| measure | measured | target | |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=3000, help="reply length in tokens (one chunk per token)")
    parser.add_argument("--rate", type=float, default=200.0, help="tokens per second")
    parser.add_argument(
        "--profile", action="store_true", help="also print the page's hottest functions (CDP CPU profile)"
    )
    parser.add_argument(
        "--dir-guard", action="store_true", help="try the proposed page fix (DIR_GUARD) injected into the page"
    )
    parser.add_argument(
        "--unsplit",
        action="store_true",
        help="for comparison: the solution as one chat message (the page before ui/chat.py's SEAL_CHARS split)",
    )
    args = parser.parse_args()
    if args.unsplit:
        from ui import chat

        chat.solution_blocks = lambda text: [text]
    result = run(args.tokens, args.rate, args.profile, args.dir_guard)
    notes = [
        note
        for flag, note in (
            (args.unsplit, "--unsplit: the solution as one chat message"),
            (args.dir_guard, "--dir-guard: DIR_GUARD injected into the page"),
        )
        if flag
    ]
    print(table(result) + (f"\n\n({'; '.join(notes)})" if notes else ""))
    if result["hot"]:
        print("\nChromium CPU profile, self time (profiled run; its figures above are slowed by the profiler):\n")
        print("| self ms | function |\n|---|---|")
        for ms, name in result["hot"]:
            print(f"| {ms:.0f} | `{name}` |")


if __name__ == "__main__":
    main()
