"""The per-turn reply keeps its four rules in one place: the caveat at most once per case,
no block twice, at most one question, and a turn that fits a phone screen."""

from __future__ import annotations

from typing import Any

from bot.turn.reply import PHONE_LINES, Reply, screen_lines, template_renderer

LONG = "a block long enough to count as one. " * 2  # longer than an acknowledgement
RESPONSES: dict[str, Any] = {
    "utter_block": [{"text": "{lines}\n{caveat}"}],
    "utter_rung": [{"text": "{name}\n{details}\n\n{next}\n{caveat}"}],
    "utter_menu": [{"text": "menu", "buttons": [{"title": "a", "payload": "/a"}]}],
    "utter_ask_key_date": [{"text": "when was {event}?"}],
    "utter_ask_role": [{"text": "buyer or seller?"}],
}


def _lines(count: int) -> str:
    return "\n".join(f"line {number}" for number in range(count))


def test_the_caveat_goes_with_the_first_message_that_can_carry_it_only():
    reply = Reply(caveat_due=True)
    reply.say("utter_block", lines="a", caveat="CAVEAT")
    reply.say("utter_block", lines="b", caveat="CAVEAT")
    assert [m["caveat"] for m in reply.messages] == ["CAVEAT", ""]
    assert reply.caveat_given and not reply.caveat_owed


def test_no_caveat_when_it_is_not_owed_and_the_stand_in_instead():
    reply = Reply(caveat_due=False)
    reply.say("utter_block", lines="a", caveat="CAVEAT", without_caveat="the 2022 note")
    reply.say("utter_block", lines="b", caveat="CAVEAT")
    assert [m["caveat"] for m in reply.messages] == ["the 2022 note", ""]
    assert not reply.caveat_given


def test_a_message_without_a_caveat_value_does_not_use_the_caveat_up():
    reply = Reply(caveat_due=True)
    reply.say("utter_block", lines="a")
    reply.say("utter_block", lines="b", caveat="CAVEAT")
    assert reply.messages[1]["caveat"] == "CAVEAT"


def test_a_caveat_on_a_message_not_said_is_still_owed():
    reply = Reply(caveat_due=True, render=template_renderer(RESPONSES), max_lines=3)
    assert not reply.say("utter_block", lines=_lines(5), caveat="CAVEAT", optional=True)
    assert reply.caveat_owed
    reply.say("utter_block", lines="a", caveat="CAVEAT")
    assert reply.messages[-1]["caveat"] == "CAVEAT"


def test_the_same_long_block_is_not_said_twice_in_a_turn():
    reply = Reply(caveat_due=True)
    assert reply.say("utter_block", lines=LONG, caveat="CAVEAT")
    assert not reply.say("utter_block", lines=LONG, caveat="CAVEAT")  # caveat or not: the same
    assert reply.say("utter_block", lines=LONG + "!")  # other values: another block
    assert reply.say("utter_rung", lines=LONG)  # another response
    assert len(reply.messages) == 3


def test_a_short_message_may_come_twice():
    reply = Reply()
    assert reply.say("utter_block", lines="ok") and reply.say("utter_block", lines="ok")


def test_the_dated_limits_are_not_shown_again_unchanged():
    reply = Reply(limits_shown="digest-1")
    assert reply.limits_unchanged("digest-1")
    assert not reply.show_limits("digest-1", "utter_block", lines="limits")
    assert reply.show_limits("digest-2", "utter_block", lines="new limits")
    assert reply.limits_digest == "digest-2"
    assert not reply.show_limits("digest-2", "utter_block", lines="new limits, again")
    assert [m["lines"] for m in reply.messages] == ["new limits"]


def test_at_most_one_question_a_turn():
    reply = Reply()
    assert reply.ask("utter_ask_key_date", event="the refund")
    assert not reply.ask("utter_ask_role")
    assert [m["response"] for m in reply.messages] == ["utter_ask_key_date"]
    assert reply.asked == "utter_ask_key_date"


def test_an_optional_message_past_the_screen_waits():
    reply = Reply(render=template_renderer(RESPONSES))
    assert reply.say("utter_block", lines=_lines(PHONE_LINES - 1), caveat="")
    assert not reply.say("utter_rung", name="rung", details=_lines(3), next="n", caveat="",
                         optional=True)
    assert reply.say("utter_menu", optional=True)  # one line still fits
    assert not reply.say("utter_menu", optional=True)  # the screen is full now
    assert reply.lines == PHONE_LINES
    assert reply.say("utter_block", lines="an answer is never left out", caveat="")
    assert [m["response"] for m in reply.messages] == ["utter_block", "utter_menu", "utter_block"]


def test_the_screen_is_measured_on_the_rendered_template():
    render = template_renderer(RESPONSES)
    assert render("utter_rung", {"name": "n", "details": "d", "next": "x", "caveat": ""}) \
        == "n\nd\n\nx\n"
    assert render("utter_unknown", {}) is None
    reply = Reply(render=render)
    reply.say("utter_rung", name="n", details="d1\nd2", next="x", caveat="c")
    assert reply.lines == 5  # the blank line between paragraphs takes none
    assert screen_lines("a\nb\n\nc\n") == 3


def test_a_draft_does_not_count_against_the_screen():
    reply = Reply(max_lines=2)
    assert reply.say_text(_lines(40))
    assert reply.lines == 0
    assert reply.say("utter_menu", optional=True)
