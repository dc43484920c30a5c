import itertools

from hypothesis import given
from hypothesis import strategies as st

from tutor.generation.reply_parser import ParsedReply, ReplyParser, parse_reply

PHI = "<think>\nLet me add: 2 + 2 = 4. Maybe \\boxed{5}?\n</think>\n\nThe sum is \\boxed{4}.\n"


def test_think_block_then_solution():
    p = parse_reply(PHI)
    assert p == ParsedReply(
        reasoning="Let me add: 2 + 2 = 4. Maybe \\boxed{5}?",
        solution="The sum is \\boxed{4}.",
        thinking=False,
        final_answer="4",
    )


def test_no_tags_is_all_solution():
    p = parse_reply("  x = 2, so \\boxed{2}  ")
    assert (p.reasoning, p.solution, p.thinking, p.final_answer) == ("", "x = 2, so \\boxed{2}", False, "2")


def test_unclosed_think_is_thinking():
    p = parse_reply("<think>working \\boxed{3}")
    assert (p.reasoning, p.solution, p.thinking, p.final_answer) == ("working \\boxed{3}", "", True, None)


def test_close_without_open_means_prompt_opened_it():
    p = parse_reply("plan it\n</think>\nanswer")
    assert (p.reasoning, p.solution, p.thinking) == ("plan it", "answer", False)


def test_final_answer_only_from_solution():
    assert parse_reply("<think>\\boxed{1}</think>no box here").final_answer is None


def test_multiple_blocks_concatenate():
    p = parse_reply("<think>a</think>S1<think>b</think>S2")
    assert (p.reasoning, p.solution) == ("a\n\nb", "S1\n\nS2")


def test_nested_and_stray_tags_are_dropped():
    p = parse_reply("<think>a<think>b</think>S</think>T")
    assert (p.reasoning, p.solution, p.thinking) == ("a\n\nb", "S\n\nT", False)


def test_other_tags_are_text():
    p = parse_reply("<thinking>x</thinking> <THINK>y")
    assert p.solution == "<thinking>x</thinking> <THINK>y" and not p.thinking


def test_partial_tags_held_back():
    assert parse_reply("Answer <").solution == "Answer"
    assert parse_reply("Answer <thi").solution == "Answer"
    assert parse_reply("<think>r</thin").reasoning == "r"
    assert parse_reply("<think>r</thin").thinking
    assert parse_reply("x < y").solution == "x < y"  # resolved: not a tag


def test_every_prefix_of_reference():
    for i in range(len(PHI) + 1):
        p = parse_reply(PHI[:i])
        assert "<think" not in p.solution and "</think" not in p.solution
        assert "<think" not in p.reasoning and "</think" not in p.reasoning


# Free text that cannot spell "<think" ('k' excluded) but can hold "<thin" and the like.
_free = st.text(alphabet="</thinab $\\{}5\n", max_size=30)


@st.composite
def _reference(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        opener = draw(st.sampled_from(["<think>", ""])) if not parts else "<think>"
        parts.append(f"{opener}{draw(_free)}</think>{draw(_free)}")
    return "".join(parts) or draw(_free)


@st.composite
def _chunked(draw) -> tuple[str, list[str]]:
    text = draw(_reference())
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=10)))
    bounds = [0, *cuts, len(text)]
    return text, [text[a:b] for a, b in itertools.pairwise(bounds)]


@given(_chunked())
def test_streamed_chunks_end_in_the_whole_parse(case):
    text, chunks = case
    acc = ""
    for chunk in chunks:
        acc += chunk
        p = parse_reply(acc)
        assert "<think" not in p.solution and "</think" not in p.solution
    assert parse_reply(acc) == parse_reply(text)


@given(_chunked(), st.data())
def test_fed_chunk_by_chunk_equals_the_whole_text_at_every_chunk(case, data):
    """The incremental parser reads each chunk once; at every point it says what a parse of
    everything so far says (a tag cut across chunks, an unopened ``</think>``, nesting)."""
    text, chunks = case
    parser, acc = ReplyParser(), ""
    for chunk in chunks:
        acc += chunk
        parser.feed(chunk)
        if data.draw(st.booleans()):  # snapshots taken at some points only, as the page does
            assert parser.parsed == parse_reply(acc), (chunks, acc)
    assert parser.parsed == parse_reply(text)


def test_fed_one_character_at_a_time():
    parser = ReplyParser()
    for ch in PHI:
        parser.feed(ch)
    assert parser.parsed == parse_reply(PHI)
    assert parser.parsed.final_answer == "4" and parser.parsed.reasoning.startswith("Let me add")


@given(st.text())
def test_never_raises(text):
    p = parse_reply(text)
    assert p.reasoning == p.reasoning.strip() and p.solution == p.solution.strip()
