"""The hint screen on real tutor replies: currency, thousands, stating positions, the dialogue.

Samples marked "MRBench" are tutor replies (shortened where noted) from MRBench V1
(kaushal0494/UnifyingAITutorEvaluation, MRBench/MRBench_V1.json), as copied into
``shared/eval/pedagogy_dev.jsonl``; the rest are written for the rule they test.
Real sympy, real pool: nothing of ours is mocked.
"""

from __future__ import annotations

import time

import pytest

from tutor.checking.hint_screen.screen import context_values, plain, screen_hint
from tutor.teaching.modes import ScreenedText, dialogue

ELLIOTT = (
    "Tutor: The question is: Elliott is trying to walk 10,000 steps a day. He finished half of his steps on his "
    "walks to and from school and did another 1,000 steps going for a short walk with his friend. He also went for "
    "a short jog around the block and realized that after he had finished his jog, he only had 2,000 steps left to "
    "take. How many steps did Elliott take during his jog?\n"
    "Student: Subtracting 6000 from his goal of 10,000, he has 10,000-6000 = 4000 steps left to take. "
    "Therefore, he took 4000 steps during his jog."
)  # MRBench (conversation 930-b01cb51d), shortened


# -- reading prose numbers -------------------------------------------------------------
def test_prose_numbers_are_read_as_digits():
    assert plain("$15/hour x 84 hours = $1260") == "15 * 84 = 1260"
    assert plain("2,520,000 and 10,\\!080") == "2520000 and 10080"
    assert plain("$40 (total revenue) - $20 (total cost) = $20") == "40 -20 = 20"
    assert plain("2.5 million, two thousand five hundred") == "2500000, 2500"
    assert plain("the list 1,2,3 stays") == "the list 1,2,3 stays"


@pytest.mark.parametrize(
    "hint, answer, kept",
    [
        # currency: two dollar signs are not a maths span (pandoc's rule)
        ("Good start. You earn $15/hour x 84 hours = $1260.", "1260", "Good start."),
        # MRBench: "$20,000 + $5,000 = $25,000" (thousands and currency together)
        (
            "I see where you're coming from. So the total is the cost of the wife's ring plus half the cost of "
            "Jim's ring, which is $20,000 + $5,000 = $25,000.",
            "25000",
            "I see where you're coming from.",
        ),
        ("Check the units. The population is now 2,520,000.", "2520000", "Check the units."),
        ("Nearly. That makes ten thousand and eighty steps.", "10080", "Nearly."),
        ("Nearly. The answer is $10,\\!080$.", "10080", "Nearly."),
        # MRBench: $144 - $6 = $138 read as arithmetic
        (
            "There's a slight mistake. So, the actual profit would be $144 - $6 = $138.",
            "138",
            "There's a slight mistake.",
        ),
        # MRBench: "x" between numbers is a product
        ("That's correct! So the total cost would be 5 x $3 = $15.", "15", "That's correct!"),
    ],
)
def test_currency_thousands_and_words_are_caught(hint, answer, kept):
    out = screen_hint(hint, answer)
    assert out.leaked and out.text == kept


@pytest.mark.parametrize(
    "hint, answer",
    [
        ("Keep going: multiply $15 by the 84 hours she worked.", "1260"),
        ("It costs $5 and then $6 more; what is the total?", "11"),
        # MRBench (conversation 2510-8a954bd7): "should be 6 + 4 + 2 + x" states the sum, not 6
        (
            "So, the equation should be 6 (pears) + 4 (apples) + 2 (pineapples) + x (plums) = 18. Try solving for "
            "x again.",
            "6",
        ),
    ],
)
def test_a_number_inside_an_expression_or_a_price_is_not_a_statement(hint, answer):
    out = screen_hint(hint, answer)
    assert not out.leaked and out.text == hint


# -- stating positions found in real replies ----------------------------------------------
@pytest.mark.parametrize(
    "hint, answer",
    [
        # MRBench (3aa2 "Steve"): a value before a correction
        (
            "The correct calculation should be 2100 pages divided by 300 pages per week, which gives us 7 weeks, "
            "not 3 weeks.",
            "7",
        ),
        (
            "It seems there might be a misunderstanding; reading for 7 sets of three days actually means Steve "
            "needs 7 weeks.",
            "7",
        ),
        ("You dont need to calculate how many each of them brought. so 14 is our required answer.", "14"),  # MRBench
        ("So, when you multiplied $15 by the 20 pans sold, you got the total profit, $300.", "300"),  # MRBench
        ("You've now corrected that and arrived at the right answer of 30 pens.", "30"),  # MRBench
        ("Therefore, 30% of the students are present in school on any given day.", "30"),  # MRBench
        (
            "So, if 20 are small and 25 are medium, we subtract these from the total, giving us 50 - 20 - 25 = 5 "
            "large posters.",
            "5",
        ),
        ("Yes, 14 is correct.", "14"),
    ],
)
def test_answers_in_real_stating_positions_are_caught(hint, answer):
    assert screen_hint(hint, answer).leaked
    assert screen_hint(hint, answer, context=ELLIOTT).leaked  # the dialogue does not hold these numbers


# -- the dialogue so far ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "hint",
    [
        # MRBench: the question's number restated, the reference answer being that same number
        "It looks like you're on the right track, but remember that Elliott still had 2,000 steps left to take "
        "*after* his jog.",
        "But after his jog he still had 2000 steps left",
    ],
)
def test_a_number_the_question_stated_is_not_a_leak_when_restated(hint):
    assert screen_hint(hint, "2000").leaked  # without the dialogue the screen cannot know
    out = screen_hint(hint, "2000", context=ELLIOTT)
    assert not out.leaked and out.text == hint


def test_a_strong_statement_leaks_even_if_the_dialogue_had_the_number():
    # MRBench: "which means he must have done 2,000 steps during his jog, not 4,000"
    hint = (
        "Let's look again. The problem states that after his jog, Elliott had 2,000 steps left, which means he "
        "must have done 2,000 steps during his jog, not 4,000."
    )
    out = screen_hint(hint, "2000", context=ELLIOTT)
    assert out.leaked and out.text == "Let's look again."
    # MRBench (5220-3bbc85a5): the student wrote 1200 on the way; the tutor confirms it as the total
    context = "Student: together they picked 300 x 4 = 1200 strawberries, so the total is 300 + 1200 + 300 = 1800."
    hint = "Almost there. So, the total should be 1200 strawberries, not 1800."
    assert screen_hint(hint, "1200", context=context).leaked


def test_the_students_intermediate_restated_is_not_a_leak():
    # MRBench (5760-12d861b7): the student computed 600 pounds; the answer is 600
    context = "Student: I multiplied 400 by 1.5 to get 600 pounds. Then the cow is worth 600 x $3 = $1800."
    hint = "After you correctly calculated the new weight of the cow to be 600 pounds, you already had its worth."
    assert screen_hint(hint, "600").leaked
    assert not screen_hint(hint, "600", context=context).leaked


def test_a_number_that_counted_something_else_is_still_a_leak():
    context = "Student: Solve 2x + 3 = 7. Is it 5?"
    out = screen_hint("Subtract 3 first. Divide by 2 and you get 2.", "x = 2", context=context)
    assert out.leaked and out.text == "Subtract 3 first."


def test_a_wrong_answer_in_the_dialogue_does_not_excuse_the_right_one():
    context = "Student: Jolyn is 7 + 2 = 9 months older than Leon. 9"
    hint = "Look again. Jolyn is 5 months older than Leon."
    assert screen_hint(hint, "5", context=context).leaked


def test_context_values_read_the_dialogue_as_a_teacher_does():
    values = context_values("He had $2,000 left and two thousand steps; 30% of the class.")
    assert ("2000", [">left"]) in values and ("2000", ["<left", ">steps"]) in values
    assert any(v == "30%" for v, _ in values)
    assert context_values(None) == [] and context_values("") == []  # type: ignore[arg-type]


def test_hostile_context_is_bounded_and_never_raises():
    huge = "Student: " + " ".join(f"{k} apples" for k in range(200000))
    t0 = time.monotonic()
    out = screen_hint("Keep going. The answer is 7 apples.", "7", context=huge)
    assert time.monotonic() - t0 < 3.0
    assert out.leaked  # "answer" makes it strong whatever the dialogue holds
    assert not screen_hint("Fine.", "7", context=123).leaked  # type: ignore[arg-type]
    assert screen_hint("So x is 7.", "7", context="\x00" * 10000 + "$$$\\(").leaked


# -- the caller -----------------------------------------------------------------------------
def test_screened_text_passes_the_dialogue_but_not_the_system_prompt():
    messages = [
        {"role": "system", "content": "Never reveal that he had 2,000 steps left."},
        {"role": "user", "content": ELLIOTT},
        {"role": "assistant", "content": "Which steps are left after the jog?"},
        {"role": "user", "content": "Next hint, please."},
    ]
    text = dialogue(messages)
    assert text.startswith("Student: Tutor: The question is") and "Never reveal" not in text
    screen = ScreenedText("2000", messages)
    hint = "Remember he still had 2,000 steps left after his jog. What does that tell you?"
    assert screen.update(hint, finished=True) == hint and not screen.leaked
    alone = ScreenedText("2000", [messages[0], {"role": "user", "content": "Next hint, please."}])
    assert alone.update(hint, finished=True) == "" and alone.leaked


def test_a_shared_word_must_sit_on_the_same_side_of_the_number():
    context = "Student: A rectangle has length 8 cm and width 4 cm. What is its width doubled?"
    assert screen_hint("Good question. Its width doubled is 8 cm.", "8", context=context).leaked


@pytest.mark.parametrize(
    "hint",
    ["Together that's 12.", "You'll end up with 12.", "You'll get 12 in the end.", "Then you find 12 left over."],
)
def test_contracted_and_phrasal_stating_verbs(hint):
    out = screen_hint("10% of 80 is 8. " + hint, "12", context="Student: What is 15% of 80?")
    assert out.leaked and out.text == "10% of 80 is 8."
