# ruff: noqa: E501 - the conversations are easier to read on one line
"""The drafting action over whole conversations: the kind asked for, every fact the user
gave, the missing ones named once, and a redraft when the user fills one in."""

from __future__ import annotations

import pytest

from actions.case import ActionCaseTurn
from actions.drafting import ActionDraftComplaint
from tests.actions.conftest import make_tracker, message, render, responses, slot_events
from tests.actions.test_case_actions import conversation

pytestmark = pytest.mark.anyio

STORY = [
    ("卖家一直不同意退款怎么办", "refund_refused"),
    ("订单号4817263950018273，89元，一条牛仔裤，收到就开线了。11月18号申请的退款，卖家19号拒绝了", "inform"),
    ("我有开箱视频和聊天记录", "inform"),
]


def _draft(dispatcher) -> str:
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    assert len(texts) == 1, "a draft is one message; the WeChat channel splits it"
    return texts[0]


async def test_a_platform_statement_holds_every_fact_given(dispatcher, domain):
    tracker = conversation([*STORY, ("帮我写个给小二看的情况说明", "request_draft")])
    events = await ActionDraftComplaint().run(dispatcher, tracker, domain)
    draft = _draft(dispatcher)
    for value in ("4817263950018273", "牛仔裤", "89元", "收到就开线了", "2026年11月18日申请的退款",
                  "卖家2026年11月19日拒绝了", "1. 开箱视频", "2. 聊天记录"):
        assert value in draft, (value, draft)
    assert "【" not in draft
    header = render(domain, message(dispatcher, "utter_draft_header"))
    assert "情况说明" in header and "写给平台" in header
    assert slot_events(events)["draft_kind"] == "platform_statement"


async def test_a_firm_ultimatum_has_a_reply_by_date_from_the_rule_book(dispatcher, domain):
    tracker = conversation([*STORY, ("给卖家下个最后通牒，狠一点", "request_draft")])
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    draft = _draft(dispatcher)
    header = render(domain, message(dispatcher, "utter_draft_header"))
    assert "强硬" in header and "最后通牒" in header
    # refund asked 11-18; 客服介入 opens about 3 days later (rule book), on 11-21
    assert "请在2026年11月21日前处理" in draft and "申请客服介入" in draft


async def _confirmed(first_dispatcher, turns, domain, slots=None):
    """The request for a text to an authority, then "对": the confirmation turn's slots."""
    asked = slot_events(await ActionDraftComplaint().run(
        first_dispatcher, conversation(turns, slots=slots), domain))
    return {**(slots or {}), **asked}


async def test_a_complaint_to_12315_shows_its_facts_to_confirm_first(dispatcher, domain):
    tracker = conversation([*STORY, ("我要向市场监管局投诉，帮我写", "request_draft")])
    events = await ActionDraftComplaint().run(dispatcher, tracker, domain)
    assert not [m for m in dispatcher.messages if m.get("text")], "no draft before the facts are confirmed"
    shown = render(domain, message(dispatcher, "utter_draft_confirm"))
    for value in ("4817263950018273", "牛仔裤", "89元", "11月18日", "开箱视频", "【店铺名称】"):
        assert value in shown, (value, shown)
    assert slot_events(events)["draft_pending"] == "regulator_complaint|polite"


async def test_a_confirmed_complaint_to_12315_names_what_is_missing_once(dispatcher, domain):
    turns = [*STORY, ("我要向市场监管局投诉，帮我写", "request_draft")]
    slots = await _confirmed(type(dispatcher)(), turns, domain)
    events = await ActionCaseTurn().run(dispatcher, conversation([*turns, ("对，没问题", "affirm")], slots=slots), domain)
    draft = _draft(dispatcher)
    assert "【店铺名称】" in draft and "【卖家所在地（城市）】" in draft
    assert "报警" not in draft and "前处理" not in draft
    missing = render(domain, message(dispatcher, "utter_draft_missing"))
    assert "【店铺名称】" in missing and "2处" in missing
    written = slot_events(events)
    assert set(written["draft_missing"]) == {"shop_name", "seller_location"}
    assert written["draft_pending"] is None


async def test_a_correction_instead_of_yes_changes_the_fact_in_the_draft(dispatcher, domain):
    turns = [*STORY, ("我要向市场监管局投诉，帮我写", "request_draft")]
    slots = await _confirmed(type(dispatcher)(), turns, domain)
    fixed = [*turns, ("金额不对，实付是79元", "inform")]
    await ActionCaseTurn().run(dispatcher, conversation(fixed, slots=slots), domain)
    draft = _draft(dispatcher)
    assert "79元" in draft and "89元" not in draft


async def test_a_form_asked_in_another_tone_is_no_near_copy(dispatcher, domain):
    """A complaint to 12315 asked again "语气强硬点": the form barely changes with the tone,
    so the firmer text comes in the other wording, every fact kept."""
    from difflib import SequenceMatcher

    turns = [*STORY, ("我要向市场监管局投诉，帮我写", "request_draft")]
    slots = await _confirmed(type(dispatcher)(), turns, domain)
    turns.append(("对", "affirm"))
    first = type(dispatcher)()
    events = await ActionCaseTurn().run(first, conversation(turns, slots=slots), domain)
    before = _draft(first)
    slots = {**slots, **slot_events(events)}
    again = [*turns, ("再来一版 语气强硬点", "request_draft")]
    await ActionDraftComplaint().run(dispatcher, conversation(again, slots=slots), domain)
    after = _draft(dispatcher)
    assert SequenceMatcher(None, before, after).ratio() < 0.85, (before, after)
    for value in ("4817263950018273", "牛仔裤", "89元", "开线", "开箱视频", "聊天记录"):
        assert value in after, value


async def test_the_same_gaps_in_a_second_draft_are_named_in_one_short_line(dispatcher, domain):
    turns = [*STORY, ("我要向市场监管局投诉，帮我写", "request_draft")]
    slots = await _confirmed(type(dispatcher)(), turns, domain)
    turns.append(("对", "affirm"))
    slots.update(slot_events(await ActionCaseTurn().run(type(dispatcher)(), conversation(turns, slots=slots), domain)))
    turns.append(("再给我来一版投消协的", "request_draft"))
    slots = await _confirmed(type(dispatcher)(), turns, domain, slots)
    turns.append(("对", "affirm"))
    await ActionCaseTurn().run(dispatcher, conversation(turns, slots=slots), domain)
    assert "utter_draft_missing" not in [m.get("response") for m in dispatcher.messages]
    short = render(domain, message(dispatcher, "utter_draft_missing_again"))
    assert "【店铺名称】" in short and "2处" in short


async def test_filling_a_placeholder_redrafts_with_everything(dispatcher, domain):
    first = type(dispatcher)()
    turns = [*STORY, ("我要向市场监管局投诉，帮我写", "request_draft")]
    events = await ActionDraftComplaint().run(first, conversation(turns), domain)
    slots = slot_events(events)
    answer = [*turns, ("店铺叫小美服饰旗舰店，卖家在广州", "inform")]
    await ActionCaseTurn().run(dispatcher, conversation(answer, slots=slots), domain)
    draft = _draft(dispatcher)
    assert "小美服饰旗舰店" in draft and "致：广州" in draft and "【" not in draft
    assert "4817263950018273" in draft and "开线" in draft


async def _draft_then(dispatcher, domain, then: tuple[str, str], shown: bool = True):
    """The statement for the platform, then ``then``; ``shown``: the draft is among the
    assistant's texts just before it (else another reply came between)."""
    first = [*STORY, ("帮我写个给小二看的情况说明", "request_draft")]
    written = type(dispatcher)()
    events = await ActionDraftComplaint().run(written, conversation(first), domain)
    tracker = conversation([*first, then], slots=slot_events(events))
    before = _draft(written) if shown else "好的，还有别的问题吗？"
    tracker.events.insert(-1, {"event": "bot", "text": before})
    await ActionCaseTurn().run(dispatcher, tracker, domain)
    return _draft(written)


@pytest.mark.parametrize(("told", "expected"), [
    ("对了，签收那天我还拍了照片", "照片"),
    ("金额写错了，是96元", "96元"),
])
async def test_a_fact_told_right_after_a_draft_redrafts_with_it(dispatcher, domain, told,
                                                                expected):
    before = await _draft_then(dispatcher, domain, (told, "inform"))
    assert "utter_draft_header_updated" in responses(dispatcher), responses(dispatcher)
    after = _draft(dispatcher)
    assert expected in after and expected not in before, after
    assert "4817263950018273" in after and "开线" in after


async def test_a_fact_added_to_the_draft_read_as_an_evidence_question_redrafts(dispatcher,
                                                                                 domain):
    """"我拆的时候录了开箱视频，把这个加上" classified as a question about evidence: the
    draft with the video, not the evidence advice."""
    from actions.guidance import ActionEvidence

    first = [*STORY[:2], ("帮我写个给小二看的情况说明", "request_draft")]
    written = type(dispatcher)()
    events = await ActionDraftComplaint().run(written, conversation(first), domain)
    tracker = conversation([*first, ("哦对 我拆的时候录了开箱视频 把这个加上", "ask_evidence")],
                           slots=slot_events(events))
    tracker.events.insert(-1, {"event": "bot", "text": _draft(written)})
    await ActionEvidence().run(dispatcher, tracker, domain)
    assert "utter_draft_header_updated" in responses(dispatcher), responses(dispatcher)
    assert "开箱视频" in _draft(dispatcher)


async def test_a_fact_told_later_gets_no_redraft(dispatcher, domain):
    await _draft_then(dispatcher, domain, ("对了，签收那天我还拍了照片", "inform"), shown=False)
    assert not {"utter_draft_header_updated", "utter_draft_header"} & set(responses(dispatcher))


async def test_a_question_told_with_a_fact_after_a_draft_is_answered_not_redrafted(
        dispatcher, domain):
    await _draft_then(dispatcher, domain, ("签收的时候我拍了照片，照片能当证据吗？", "inform"))
    said = responses(dispatcher)
    assert not {"utter_draft_header_updated", "utter_draft_header"} & set(said), said


async def test_a_short_version_read_as_resuming_a_case_is_the_short_version(dispatcher,
                                                                            domain):
    """"来个短的" right after a draft, misread by the NLU as a request to bring back an
    earlier case: the case is open here, so it is the short text, not "找到了你之前的案子"."""
    from actions.records import ActionResumeCase

    first = [*STORY, ("帮我写个给小二看的情况说明", "request_draft")]
    written = type(dispatcher)()
    events = await ActionDraftComplaint().run(written, conversation(first), domain)
    tracker = conversation([*first, ("来个短的 那个框限字数", "resume_case")],
                           slots=slot_events(events))
    await ActionResumeCase().run(dispatcher, tracker, domain)
    said = responses(dispatcher)
    assert "utter_case_resumed" not in said and "utter_draft_short_header" in said, said
    assert len(_draft(dispatcher)) <= 120


async def test_an_ambiguous_request_says_which_kind_it_wrote(dispatcher, domain):
    tracker = conversation([*STORY, ("帮我写个投诉", "request_draft")])
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    chosen = render(domain, message(dispatcher, "utter_draft_chosen"))
    assert "情况说明" in chosen


async def test_a_shop_refusing_a_refund_writes_as_the_shop(dispatcher, domain):
    turns = [("买家退回来的不是我发的货", "wrong_item_returned"),
             ("我们店卖的是耳机，订单号3312345678901234567，我有发货视频和称重记录", "inform"),
             ("帮我写拒绝退款的理由", "request_draft")]
    await ActionDraftComplaint().run(dispatcher, conversation(turns), domain)
    draft = _draft(dispatcher)
    assert draft.startswith("您好，本店不同意本次退款申请") and "我是贵店的买家" not in draft
    assert "发货视频" in draft and "称重记录" in draft


async def test_the_same_draft_asked_again_is_given_again_and_said_so(dispatcher, domain):
    tracker = conversation([*STORY, ("帮我写个给小二看的情况说明", "request_draft")])
    events = await ActionDraftComplaint().run(dispatcher, tracker, domain)
    again = type(dispatcher)()
    tracker = conversation([*STORY, ("帮我写个给小二看的情况说明", "request_draft")],
                           slots=slot_events(events))
    assert await ActionDraftComplaint().run(again, tracker, domain) == []
    assert responses(again) == ["utter_draft_unchanged", None]
    assert again.messages[1]["text"] == _draft(dispatcher)


@pytest.mark.parametrize("rewrite", ["能不能换种说法，内容不变", "再温和一点，换个说法", "语气再客气些，重新写一份", "还是要客客气气的，重写"])
async def test_a_rewrite_that_would_come_out_the_same_comes_in_other_words(dispatcher, domain,
                                                                         rewrite):
    """A statement already in the polite tone, asked again politely or in other words: the
    other wording, never the same text again."""
    from difflib import SequenceMatcher

    first = [*STORY, ("帮我写个给小二看的情况说明，客气一点", "request_draft")]
    events = await ActionDraftComplaint().run(dispatcher, conversation(first), domain)
    before = _draft(dispatcher)
    again = type(dispatcher)()
    tracker = conversation([*first, (rewrite, "request_draft")], slots=slot_events(events))
    await ActionDraftComplaint().run(again, tracker, domain)
    assert "utter_draft_unchanged" not in responses(again)
    after = _draft(again)
    assert SequenceMatcher(None, before, after).ratio() < 0.85, (before, after)
    for value in ("4817263950018273", "牛仔裤", "89元", "开线", "开箱视频", "聊天记录"):
        assert value in after, value


@pytest.mark.parametrize("asked", ["给卖家的消息也来一条吧", "那发给卖家的留言也整一段"])
async def test_a_request_without_a_writing_word_is_read_as_a_request(dispatcher, domain,
                                                                    asked):
    """Words the dialogue-act reader reads as a request, naming a text, get the text
    (not the generic "you can ask me to write…" line), whatever intent the NLU gave."""
    await ActionCaseTurn().run(dispatcher, conversation([*STORY, (asked, "inform")]), domain)
    said = responses(dispatcher)
    assert "utter_act_request" not in said and "utter_draft_header" in said, said
    assert "4817263950018273" in _draft_text(dispatcher)


def _draft_text(dispatcher) -> str:
    return next(m["text"] for m in dispatcher.messages if m.get("text"))


async def test_draft_without_a_case_asks_which_case(dispatcher, domain):
    await ActionDraftComplaint().run(dispatcher, make_tracker("帮我写投诉", "request_draft"), domain)
    assert responses(dispatcher) == ["utter_which_case"]


async def test_shown_drafts_are_kept_with_the_case(dispatcher, domain, case_store):
    from actions.open_case import ActionOpenCase

    await ActionOpenCase().run(type(dispatcher)(), conversation(STORY[:1]), domain)
    tracker = conversation([*STORY, ("帮我写个给小二看的情况说明", "request_draft")])
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    case = case_store.latest_open_case("test-user", "refund_refused")
    drafts = case_store.drafts(case.id)
    assert len(drafts) == 1 and "4817263950018273" in drafts[0].text


async def test_a_case_message_that_asks_for_a_draft_gets_it(dispatcher, domain):
    turns = [*STORY, ("我还有物流截图，帮我写个给小二的举证说明", "ask_evidence")]
    events = await ActionCaseTurn().run(dispatcher, conversation(turns), domain)
    assert slot_events(events)["draft_kind"] == "platform_statement"
    assert "utter_draft_header" in responses(dispatcher)


async def test_a_new_case_with_a_draft_request_opens_the_case_and_drafts(dispatcher, domain):
    turns = [("卖家死活不给退款，顺便帮我写个投诉", "refund_refused")]
    await ActionCaseTurn().run(dispatcher, conversation(turns), domain)
    assert responses(dispatcher)[:2] == ["utter_case_intro", "utter_draft_chosen"]



async def test_a_time_limit_the_user_gives_is_the_drafts_reply_by_date(dispatcher, domain):
    """"给他3天时间" in the request: the text to the seller asks for an answer by that day
    (2026-11-20 + 3), whatever the tone."""
    tracker = conversation([*STORY, ("帮我写段话发给卖家，给他3天时间退款", "request_draft")])
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    assert "11月23日" in _draft(dispatcher)


async def test_how_to_send_screenshots_and_a_text_in_one_message_get_both(dispatcher, domain):
    from actions.case import ActionCaseTurn

    turns = [*STORY, ("截图怎么发给你？帮我写个给小二的情况说明", "request_draft")]
    await ActionCaseTurn().run(dispatcher, conversation(turns), domain)
    said = responses(dispatcher)
    assert said[0] == "utter_upload_how" and "utter_draft_header" in said


async def test_the_next_step_the_user_names_is_in_the_text_in_either_tone(dispatcher, domain):
    tracker = conversation([*STORY, ("帮我写一份给平台的情况说明，最后写上如果平台不处理，我会向12315投诉",
                                     "request_draft")])
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    draft = _draft(dispatcher)
    assert draft.startswith("情况说明") and "12315" in draft.splitlines()[-1]
