import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.math_markdown import MAX_CHARS, TRUNCATED_NOTE, final_answer_markdown, prepare_markdown, render_html


def final(text: str) -> str:
    return prepare_markdown(text, streaming=False)


def live(text: str) -> str:
    return prepare_markdown(text, streaming=True)


# --- delimiters --------------------------------------------------------------------------


def test_paren_and_bracket_delimiters_are_normalised():
    assert final(r"so \( x^2 \) is") == "so $x^2$ is"
    assert final(r"so \[ y = 1 \] done") == "so\n$$\ny = 1\n$$\ndone"
    assert final("$$x+1$$") == "$$\nx+1\n$$"


def test_display_math_keeps_list_items_together():
    out = final("1. Compute \\[x=1\\] then\n2. Next $y$")
    assert out == "1. Compute\n   $$\n   x=1\n   $$\n   then\n2. Next $y$"


def test_multiline_display_math_is_kept():
    text = "Step:\n$$\n\\begin{aligned} a &= 1 \\\\\n b &= 2\n\\end{aligned}\n$$\nDone."
    assert final(text) == text


def test_boxed_stays_and_bare_boxed_becomes_math():
    assert final(r"$\boxed{\frac{1}{2}}$") == r"$\boxed{\frac{1}{2}}$"
    assert final(r"Answer: \boxed{\frac{1}{2}}.") == r"Answer: $\boxed{\frac{1}{2}}$."


def test_dollar_inside_converted_math_is_escaped():
    assert final(r"\(a $ b\)") == r"$a \$ b$"


# --- currency ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It costs $5 and $7.", r"It costs \$5 and \$7."),
        ("$3.50 each", r"\$3.50 each"),
        ("a $1,000 prize", r"a \$1,000 prize"),
        ("$20,000 and $30,000", r"\$20,000 and \$30,000"),
        ("from $5-$10", r"from \$5-\$10"),
        ("from $5 to $10", r"from \$5 to \$10"),
        ("Prices: $5, $10, and $15.", r"Prices: \$5, \$10, and \$15."),
        ("I paid $5 for a pen and x$", r"I paid \$5 for a pen and x\$"),
        ("$x$ costs $5", r"$x$ costs \$5"),
        ("It costs $5. So $x = 5$.", r"It costs \$5. So $x = 5$."),
        ("$5x$ and $2 + 3 = 5$", "$5x$ and $2 + 3 = 5$"),
        ("$5$", "$5$"),
        ("a $ b $ c", r"a \$ b \$ c"),  # space after the opener
        ("a $b $c", r"a \$b \$c"),  # space before the closer
        (r"already \$5", r"already \$5"),
    ],
)
def test_currency_is_escaped_and_math_kept(text, expected):
    assert final(text) == expected


# --- streaming -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, shown",
    [
        (r"The answer is $\frac{1", "The answer is "),
        (r"so \[ x = ", "so "),
        (r"so \( x", "so "),
        ("then $$\n\\begin{aligned} a", "then "),
        (r"so \boxed{\frac{1}{2}", "so "),
        (r"so \bo", "so "),
        ("so \\", "so "),
        ("text $", "text "),
        ("$x$ costs $5", "$x$ costs "),
        ("$x + 1$", ""),  # the closer's next character decides it
        ("a $x\n\nb $y", "a \\$x\n\nb "),  # math never crosses a blank line
    ],
)
def test_streaming_holds_back_unclosed_math(text, shown):
    assert live(text) == shown


@pytest.mark.parametrize(
    "text, shown",
    [
        (r"The answer is $\frac{1", r"The answer is \$\frac{1"),
        (r"so \[ x = ", r"so \\[ x = "),
        (r"so \boxed{3", r"so \boxed{3"),
        ("then $$ a", r"then \$\$ a"),
    ],
)
def test_finished_output_escapes_unclosed_delimiters(text, shown):
    assert final(text) == shown


# --- Markdown left alone ---------------------------------------------------------------------


def test_code_spans_and_fences_untouched():
    text = "Use `$HOME` or `` a\\(b ``.\n\n```bash\necho $5 \\(x\n```\nthen $x$"
    assert final(text) == text


def test_unclosed_fence_runs_to_the_end():
    assert final("```\n$x and \\(") == "```\n$x and \\("


def test_lists_and_steps_survive():
    text = "1. First, $a = 2$.\n2. Then $b$ costs \\$3.\n   - note\n\n**Step 3:** done"
    assert final(text) == text


def test_long_input_is_truncated_with_note():
    out = final("a" * (MAX_CHARS + 10))
    assert out == "a" * MAX_CHARS + TRUNCATED_NOTE


@pytest.mark.parametrize(
    "text",
    [
        "$" * 100_000,
        "\\(" * 50_000,
        "$\\(" * 34_000,
        "\\[$$" * 25_000,
        "\\boxed{" * 15_000,
        "$1," * 34_000,
        "`" + " ``" * 33_000,
        "$a " * 34_000,
        ("x" * 99 + "\n") * 1_000 + "$" * 1_000,
    ],
)
def test_linear_time_on_hostile_input(text):
    for streaming in (False, True):
        start = time.perf_counter()
        prepare_markdown(text, streaming=streaming)
        assert time.perf_counter() - start < 0.5


# --- final answer ----------------------------------------------------------------------------


def test_final_answer_markdown():
    assert final_answer_markdown(r"\frac{1}{2}") == "$$\n\\frac{1}{2}\n$$"
    assert final_answer_markdown("x = $5") == "$$\nx = \\$5\n$$"
    assert final_answer_markdown("a\n\nb") == "$$\na\nb\n$$"
    assert final_answer_markdown("  ") == ""


# --- HTML ----------------------------------------------------------------------------------


def test_render_html_math_spans():
    html = render_html("Let $a<b$ and \\[x_1 = \\frac{1}{2}\\]")
    assert '<span class="math-inline">a&lt;b</span>' in html
    assert '<div class="math-display">x_1 = \\frac{1}{2}</div>' in html
    assert "<em>" not in html


def test_render_html_tables_and_currency():
    html = render_html("| item | price |\n|---|---|\n| pen | $5 |\n| $x$ | 2 |")
    assert "<table>" in html and "<td>$5</td>" in html and '<span class="math-inline">x</span>' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:image/png;base64,AAAA)",
        "<javascript:alert(1)>",
        "$$\\href{javascript:alert(1)}{x}$$",
        "\\htmlData{foo=bar}{x}",
        "$\\htmlData{foo=bar}{x}$",
    ],
)
def test_render_html_is_inert(payload):
    html = render_html(payload)
    assert "<img" not in html and "<script" not in html
    assert not re.search(r"(href|src)=\"(?!https?:)", html)
    assert "data-foo" not in html


def test_render_html_shows_links_as_text():  # issue 11 row 14: nothing in a transcript leaves the page
    assert render_html("[x](https://example.com)") == "<p>x (https://example.com)</p>\n"


# --- properties ----------------------------------------------------------------------------

# Math-heavy text without code markers, so every `$` left in the output must be math.
_mathy = st.text(alphabet="$\\()[]{}x5 ,.-\nboxed", max_size=60)


def _unescaped_dollars(out: str) -> int:
    return re.sub(r"\\.", "", out, flags=re.S).count("$")


@given(st.text(max_size=200), st.booleans())
def test_never_raises(text, streaming):
    prepare_markdown(text, streaming=streaming)
    render_html(text)


@settings(max_examples=300)
@given(_mathy)
def test_no_prefix_shows_an_unclosed_span(text):
    for end in range(len(text) + 1):
        out = live(text[:end])
        assert _unescaped_dollars(out) % 2 == 0
        assert final(out) == out  # nothing left that the finished render would escape


@settings(max_examples=300)
@given(_mathy)
def test_finished_output_is_balanced_and_idempotent(text):
    out = final(text)
    assert _unescaped_dollars(out) % 2 == 0
    assert final(out) == out


@given(st.text(max_size=200))
def test_idempotent_on_any_text(text):
    out = final(text)
    assert final(out) == out


def test_bracket_delimiters_for_gradio_leave_prices_as_text():
    out = prepare_markdown(
        "A pen costs $5 and a book $7. So \\(x = 2\\) and $$y^2$$", streaming=False, delimiters="brackets"
    )
    assert out.startswith("A pen costs \\$5 and a book \\$7. So \\(x = 2\\)")
    assert "\\[\ny^2\n\\]" in out
    assert out.count("$") == 2  # only the two escaped prices
    assert final_answer_markdown("x = 2", delimiters="brackets") == "\\[\nx = 2\n\\]"


def test_bracket_delimiters_hide_an_unclosed_formula_while_streaming():
    assert prepare_markdown("Step 1: $\\frac{1}{", streaming=True, delimiters="brackets") == "Step 1: "
