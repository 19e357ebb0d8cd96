"""Greetings, thanks and a request for a person answer through the turn pipeline: a threat
told in the same message gets its safety line first, and nothing else is lost."""

from __future__ import annotations

import pytest

from actions.chat import ActionChatReply
from tests.actions.conftest import responses
from tests.actions.test_case_actions import conversation

pytestmark = pytest.mark.anyio

CASE = [("退回来的包裹里是块砖头，我们拒绝退款了", "wrong_item_returned")]


async def test_a_request_for_a_person_that_tells_a_threat_leads_with_safety(dispatcher,
                                                                            domain):
    tracker = conversation([*CASE, ("买家刚才说知道我们店在哪，要带人上门砸，找个真人帮我",
                                    "human_handoff")])
    await ActionChatReply().run(dispatcher, tracker, domain)
    said = responses(dispatcher)
    assert said[0] == "utter_safety_flag" and said[-1] == "utter_human_handoff", said


@pytest.mark.parametrize(("text", "intent", "response"), [
    ("你好", "greet", "utter_greet"), ("谢谢啦", "thank", "utter_you_are_welcome"),
    ("你是机器人吗", "bot_challenge", "utter_bot_challenge"),
])
async def test_a_plain_greeting_or_thanks_gets_its_one_response(dispatcher, domain, text,
                                                                intent, response):
    await ActionChatReply().run(dispatcher, conversation([*CASE, (text, intent)]), domain)
    assert responses(dispatcher) == [response]
