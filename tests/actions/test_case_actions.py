# ruff: noqa: E501 - the conversations are easier to read on one line
"""The case-turn action over whole conversations: one question at most, facts kept,
safety first with the flag's own message, the caveat once per case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.case import ActionCaseTurn
from actions.open_case import ActionOpenCase
from bot.dates import SHANGHAI
from tests.actions.conftest import SLOT_NAMES, message, render, responses, slot_events

AT = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def conversation(turns: list[tuple[str, str]], slots: dict[str, Any] | None = None,
                 asked: list[str | None] | None = None,
                 last_ranking: list[tuple[str, float]] | None = None) -> Tracker:
    """A tracker whose events are the given (text, intent) user turns; ``asked[i]`` is the
    slot the assistant asked just before turn i; ``last_ranking``: the NLU ranking of the
    last turn (its intent is the first name), instead of the intent alone at 0.9."""
    events: list[dict[str, Any]] = []
    for index, (text, intent) in enumerate(turns):
        if asked and asked[index]:
            events.append({"event": "slot", "name": "asked", "value": asked[index]})
        ranking = (last_ranking if last_ranking and index == len(turns) - 1
                   else [(intent, 0.9)])
        parse = {"text": text, "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                 "intent_ranking": [{"name": name, "confidence": confidence}
                                    for name, confidence in ranking], "entities": []}
        events.append({"event": "user", "timestamp": AT.timestamp(), "text": text,
                       "parse_data": parse})
    all_slots = {name: None for name in (*SLOT_NAMES, "caveat_for", "guided_for",
                                         "limits_shown", "asked", "asked_event")}
    all_slots.update(slots or {})
    return Tracker(sender_id="test-user", slots=all_slots, latest_message=parse, events=events,
                   paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


async def run(action, dispatcher, tracker, domain) -> list[dict[str, Any]]:
    return await action.run(dispatcher, tracker, domain)


@pytest.mark.anyio
async def test_a_refund_case_asks_for_the_refund_date_only(dispatcher, domain):
    events = await run(ActionOpenCase(), dispatcher, conversation([("卖家一直不同意退款", "refund_refused")]), domain)
    assert responses(dispatcher) == ["utter_case_intro", "utter_ask_key_date"]
    assert message(dispatcher, "utter_ask_key_date")["event"] == "申请退款"
    slots = slot_events(events)
    assert slots["case_type"] == "refund_refused" and slots["role"] == "buyer"
    assert slots["asked"] == "key_date" and slots["asked_event"] == "refund_requested"


@pytest.mark.anyio
async def test_a_defect_told_inside_a_refund_dispute_keeps_the_case_and_its_facts(dispatcher, domain):
    tracker = conversation([("卖家拒绝退款", "refund_refused"),
                            ("订单号4817263950018273，89元，一条牛仔裤，收到就开线了，11月16号申请的退款", "quality_problem")],
                           slots={"caveat_for": "refund_refused@1"})
    events = await run(ActionOpenCase(), dispatcher, tracker, domain)
    assert "utter_case_intro" not in responses(dispatcher)
    slots = slot_events(events)
    assert slots["case_type"] == "refund_refused"
    assert slots["order_number"] == "4817263950018273" and slots["amount"] == "89"
    assert slots["item"] == "牛仔裤" and slots["key_date"] == "2026-11-16"
    dated = render(domain, message(dispatcher, "utter_deadlines_dated"))
    assert "11月16日" in dated and "不构成法律意见" not in dated  # the caveat came with the intro


@pytest.mark.anyio
async def test_an_answer_in_words_is_understood_and_never_re_asked(dispatcher, domain):
    tracker = conversation([("付款五天了还不发货", "not_shipped"), ("早就确认收货了", "inform")],
                           asked=[None, "order_status"], slots={"caveat_for": "not_shipped@1"})
    events = await run(ActionCaseTurn(), dispatcher, tracker, domain)
    assert slot_events(events)["order_status"] == "completed"
    assert "utter_ask_order_status" not in responses(dispatcher)
    assert "utter_slot_unclear" not in responses(dispatcher)


@pytest.mark.anyio
async def test_an_unmapped_answer_is_kept_and_the_conversation_moves_on(dispatcher, domain):
    tracker = conversation([("卖家一直不同意退款", "refund_refused"), ("这个我真记不清了，反正挺久了", "inform")],
                           asked=[None, "key_date"], slots={"caveat_for": "refund_refused@1"})
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    assert "utter_ask_key_date" not in responses(dispatcher)
    assert "utter_rung" in responses(dispatcher)


@pytest.mark.anyio
async def test_a_threat_mid_case_gets_the_police_first_and_keeps_the_case(dispatcher, domain):
    tracker = conversation([("卖家一直不同意退款", "refund_refused"),
                            ("他昨晚打电话说要来我家找我", "seller_harassment")],
                           slots={"caveat_for": "refund_refused@1"})
    events = await run(ActionOpenCase(), dispatcher, tracker, domain)
    assert responses(dispatcher)[0] == "utter_safety_flag"
    assert "110" in render(domain, dispatcher.messages[0])
    assert slot_events(events).get("case_type", "refund_refused") == "refund_refused"


@pytest.mark.anyio
async def test_an_ordinary_not_shipped_case_gets_no_threat_text(dispatcher, domain):
    await run(ActionOpenCase(), dispatcher, conversation([("付款三天了还不发货", "not_shipped")]), domain)
    assert "utter_safety_flag" not in responses(dispatcher)


@pytest.mark.anyio
async def test_extortion_by_review_gets_its_own_message(dispatcher, domain):
    tracker = conversation([("买家说不给他转200块就不删差评，这是敲诈吧", "malicious_review")])
    await run(ActionOpenCase(), dispatcher, tracker, domain)
    first = render(domain, dispatcher.messages[0])
    assert "敲诈勒索" in first and "冥币" not in first


@pytest.mark.anyio
async def test_the_shop_role_holds_and_buyer_cases_are_not_chosen(dispatcher, domain):
    tracker = conversation([("我们店被买家投诉恶意骚扰了", "accused_of_harassment"),
                            ("他天天打电话骂我们客服", "seller_harassment")],
                           slots={"caveat_for": "accused_of_harassment@1"})
    events = await run(ActionOpenCase(), dispatcher, tracker, domain)
    slots = slot_events(events)
    assert slots.get("case_type", "accused_of_harassment") == "accused_of_harassment"
    assert "utter_case_intro" not in responses(dispatcher)


@pytest.mark.anyio
async def test_a_clear_new_matter_switches_and_says_so(dispatcher, domain):
    tracker = conversation([("付款五天了还不发货", "not_shipped"),
                            ("另外一单买的台灯，收到灯罩是裂的", "quality_problem")],
                           slots={"caveat_for": "not_shipped@1"})
    events = await run(ActionOpenCase(), dispatcher, tracker, domain)
    assert responses(dispatcher)[0] == "utter_case_new_matter"
    assert slot_events(events)["case_type"] == "quality_problem"


@pytest.mark.anyio
async def test_the_caveat_comes_once_per_case(dispatcher, domain):
    tracker = conversation([("卖家一直不同意退款", "refund_refused"), ("11月16号申请的", "inform")],
                           asked=[None, "key_date"], slots={"caveat_for": "refund_refused@1"})
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    texts = [render(domain, m) for m in dispatcher.messages if m.get("response")]
    assert not any("不构成法律意见" in t for t in texts)


@pytest.mark.anyio
async def test_no_case_and_an_unclear_message_asks_which_case(dispatcher, domain):
    await run(ActionCaseTurn(), dispatcher, conversation([("嗯嗯", "nlu_fallback")]), domain)
    assert responses(dispatcher) == ["utter_fallback"]


@pytest.mark.anyio
async def test_can_i_ask_for_intervention_now_gets_yes_or_the_date_not_the_block(dispatcher, domain):
    from actions.guidance import ActionExplainDeadlines

    tracker = conversation([("卖家拒绝退款，11月19号申请的退款", "refund_refused"),
                            ("现在能直接申请小二介入吗？", "ask_deadline")],
                           slots={"caveat_for": "refund_refused@1"})
    await run(ActionExplainDeadlines(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_rule_answer"]
    shown = render(domain, dispatcher.messages[0])
    assert "现在还不行" in shown and "11月22日" in shown and "不构成法律意见" not in shown


@pytest.mark.anyio
async def test_a_penalty_question_mid_case_is_answered_from_the_rule_book(dispatcher, domain):
    tracker = conversation([("我们店被买家投诉恶意骚扰了", "accused_of_harassment"),
                            ("成立的话店铺扣几分？", "inform")], slots={"caveat_for": "accused_of_harassment@1"})
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    first = render(domain, dispatcher.messages[0])  # the answer first: rule book or knowledge
    assert "12分" in first, first


@pytest.mark.anyio
async def test_evidence_the_user_has_is_acknowledged(dispatcher, domain):
    from actions.guidance import ActionEvidence

    tracker = conversation([("卖家拒绝退款", "refund_refused"), ("我有开箱视频和聊天记录，要准备什么证据", "ask_evidence")],
                           slots={"caveat_for": "refund_refused@1"})
    await run(ActionEvidence(), dispatcher, tracker, domain)
    assert "你已经有：开箱视频、聊天记录" in render(domain, message(dispatcher, "utter_evidence"))


@pytest.mark.anyio
async def test_deleting_a_review_is_a_case_message_and_no_deletion_is_pending(dispatcher, domain):
    from actions.records import ActionRequestDelete

    tracker = conversation([("买家用差评要挟我", "malicious_review"), ("我就想让平台把那条差评删掉", "delete_my_data")],
                           slots={"caveat_for": "malicious_review@1"})
    events = await run(ActionRequestDelete(), dispatcher, tracker, domain)
    assert "utter_confirm_delete" not in responses(dispatcher)
    assert slot_events(events)["delete_pending"] is False


@pytest.mark.anyio
async def test_evidence_read_as_a_deletion_is_a_case_message(dispatcher, domain):
    """"聊天记录" is evidence here: a message that tells the case something and asks for
    nothing is no request to delete, whatever the intent model read."""
    from actions.records import ActionRequestDelete

    tracker = conversation([("卖家拒绝退款", "refund_refused"),
                            ("我有聊天记录和床垫标签的照片", "delete_my_data")],
                           slots={"caveat_for": "refund_refused@1"})
    events = await run(ActionRequestDelete(), dispatcher, tracker, domain)
    assert "utter_confirm_delete" not in responses(dispatcher)
    assert slot_events(events)["delete_pending"] is False


@pytest.mark.anyio
async def test_a_text_asked_for_beside_records_is_no_deletion(dispatcher, domain):
    """A draft request that names the records the user holds is answered as a request for
    the text; it never asks to erase the conversation, whatever the intent model read."""
    from actions.records import ActionRequestDelete

    tracker = conversation([("卖家收了钱把我拉黑了", "not_shipped"),
                            ("截图和付款记录我都留着，帮我写一份报警用的材料", "delete_my_data")],
                           slots={"caveat_for": "not_shipped@1"})
    events = await run(ActionRequestDelete(), dispatcher, tracker, domain)
    assert "utter_confirm_delete" not in responses(dispatcher)
    assert slot_events(events)["delete_pending"] is False


@pytest.mark.anyio
@pytest.mark.parametrize("text", ["删除我的记录", "把我的聊天记录都删了", "我要删除我的数据"])
async def test_deleting_my_records_asks_for_confirmation(dispatcher, domain, text):
    from actions.records import ActionRequestDelete

    events = await run(ActionRequestDelete(), dispatcher, conversation([(text, "delete_my_data")]), domain)
    assert responses(dispatcher) == ["utter_confirm_delete"]
    assert slot_events(events)["delete_pending"] is True


@pytest.mark.anyio
async def test_a_question_in_between_allows_one_re_ask_and_no_more(dispatcher, domain):
    asked = [None, "key_date", "key_date"]
    turns = [("卖家一直不同意退款", "refund_refused"), ("要准备什么证据", "ask_evidence"),
             ("多久能处理完", "ask_deadline")]
    tracker = conversation(turns + [("好的", "affirm")], asked=[*asked, None],
                           slots={"caveat_for": "refund_refused@1"})
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    assert "utter_ask_key_date" not in responses(dispatcher)


@pytest.mark.anyio
async def test_a_law_question_without_a_case_is_answered_with_its_article(dispatcher, domain):
    tracker = conversation([("七天无理由退货的七天从哪天开始算？", "ask_deadline")])
    events = await run(ActionCaseTurn(), dispatcher, tracker, domain)
    # the statute's passage, or the knowledge family that answers it (citing the article)
    assert responses(dispatcher) in (["utter_statute_answer"], ["utter_knowledge_answer"])
    shown = render(domain, dispatcher.messages[0])
    assert "《网络购买商品七日无理由退货暂行办法》第十条" in shown and "次日" in shown
    assert "不构成法律意见" in shown and "src" not in shown
    assert "case_type" not in slot_events(events)  # a question about the law opens no case


@pytest.mark.anyio
async def test_a_law_question_mid_case_keeps_the_case_and_uses_its_dates(dispatcher, domain):
    from actions.guidance import ActionExplainDeadlines

    tracker = conversation([("卖家不同意退款", "refund_refused"),
                            ("我11月13号签收的，七天无理由是从哪天开始算的？", "external_escalation")],
                           slots={"caveat_for": "refund_refused@1", "case_type": "refund_refused"})
    events = await run(ActionExplainDeadlines(), dispatcher, tracker, domain)
    # the statute's passage, or the knowledge family that answers it (citing the article)
    assert responses(dispatcher) in (["utter_statute_answer"], ["utter_knowledge_answer"])
    shown = render(domain, dispatcher.messages[0])
    assert "第十条" in shown and "11月20日" in shown  # dated from the day after 签收
    assert "不构成法律意见" not in shown  # the caveat was shown for this case already
    assert slot_events(events).get("case_type", "refund_refused") == "refund_refused"


@pytest.mark.anyio
async def test_the_12315_question_mid_case_does_not_switch_the_case(dispatcher, domain):
    tracker = conversation([("买到假货了，卖家不承认", "counterfeit"),
                            ("再问一下，12315收到投诉以后多久要处理？", "external_escalation")],
                           slots={"caveat_for": "counterfeit@1", "case_type": "counterfeit"})
    events = await run(ActionOpenCase(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_statute_answer"]
    shown = render(domain, dispatcher.messages[0])
    assert "7个工作日" in shown and "第四十六条" in shown and "总局令第121号" in shown
    assert slot_events(events).get("case_type", "counterfeit") == "counterfeit"


@pytest.mark.anyio
async def test_a_law_question_no_topic_answers_lists_what_can_be_answered(dispatcher, domain):
    tracker = conversation([("商家发错货，法律上有没有规定要赔我误工费？", "nlu_fallback")])
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_law_topics"]
    shown = render(domain, dispatcher.messages[0])
    assert "不猜" in shown and "七天无理由退货从哪天开始算" in shown


@pytest.mark.anyio
async def test_a_follow_up_on_the_law_gets_the_lines_it_is_about(dispatcher, domain):
    tracker = conversation([("打12315投诉以后多久会处理？", "external_escalation"),
                            ("那调解有没有时间限制？", "ask_deadline")])
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_statute_followup"]
    shown = render(domain, dispatcher.messages[0])
    assert "60日内调解完毕" in shown and "第四十六条" in shown and "予以处理" not in shown


@pytest.mark.anyio
async def test_a_case_message_after_a_law_question_goes_to_the_case(dispatcher, domain):
    tracker = conversation([("拿差评要钱算敲诈勒索犯罪吗", "malicious_review"),
                            ("聊天记录我都截图了，平台那边我要怎么投诉这个差评", "malicious_review")])
    await run(ActionOpenCase(), dispatcher, tracker, domain)
    assert "utter_statute_followup" not in responses(dispatcher)
    assert "utter_case_intro" in responses(dispatcher)


@pytest.mark.anyio
async def test_the_compensation_answer_shows_the_sum_for_the_users_price(dispatcher, domain):
    tracker = conversation([("买到假货了，鞋子付了899元", "counterfeit"),
                            ("这种情况按法律我能要求三倍赔偿吗？", "inform")],
                           slots={"caveat_for": "counterfeit@1", "case_type": "counterfeit"})
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    shown = render(domain, message(dispatcher, "utter_statute_answer"))
    assert "价款899元" in shown and "即2697元" in shown and "第五十五条" in shown


def _two_in_one(text: str, first: tuple[str, float], second: tuple[str, float]) -> Tracker:
    return conversation([(text, first[0])], last_ranking=[first, second])


@pytest.mark.anyio
@pytest.mark.parametrize(("request_intent", "action_name"), [
    ("request_draft", "ActionDraftComplaint"), ("ask_deadline", "ActionExplainDeadlines"),
    ("ask_evidence", "ActionEvidence")])
async def test_a_case_told_beside_a_request_answers_the_request_as_its_own_action_would(
        domain, request_intent, action_name):
    from rasa_sdk.executor import CollectingDispatcher

    from actions import drafting, guidance

    text = "卖家第二次拒绝退款了，帮我处理一下"
    beside, alone = CollectingDispatcher(), CollectingDispatcher()
    events = await ActionOpenCase().run(beside, _two_in_one(
        text, ("refund_refused", 0.2), (request_intent, 0.6)), domain)
    own = getattr(drafting, action_name, None) or getattr(guidance, action_name)
    expected = await own().run(alone, _two_in_one(
        text, (request_intent, 0.6), ("refund_refused", 0.2)), domain)
    assert beside.messages == alone.messages and beside.messages
    assert events == expected


@pytest.mark.anyio
async def test_a_case_surer_than_the_request_beside_it_is_a_plain_case_turn(domain):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    await ActionOpenCase().run(dispatcher, _two_in_one(
        "卖家一直不同意退款", ("refund_refused", 0.7), ("request_draft", 0.2)), domain)
    assert responses(dispatcher) == ["utter_case_intro", "utter_ask_key_date"]


@pytest.mark.anyio
async def test_a_law_question_that_also_tells_a_case_opens_it(dispatcher, domain):
    tracker = conversation([("有个买家说不给他50块就给差评，这算不算敲诈？", "malicious_review")])
    events = await run(ActionOpenCase(), dispatcher, tracker, domain)
    shown = "\n".join(render(domain, message) for message in dispatcher.messages)
    assert "敲诈勒索" in shown and "第二百七十四条" in shown  # the question, answered
    assert shown.count("以差评、投诉相要挟索要钱财") == 1  # and its line said once
    assert slot_events(events)["case_type"] == "malicious_review"


@pytest.mark.anyio
async def test_the_same_limits_asked_again_point_back_instead_of_repeating(domain):
    from rasa_sdk.executor import CollectingDispatcher

    from actions.guidance import ActionExplainDeadlines

    turns = [("卖家不同意退款，我11月16号申请的退款", "refund_refused"), ("要多久？", "ask_deadline")]
    first = CollectingDispatcher()
    events = await run(ActionExplainDeadlines(), first, conversation(
        turns, slots={"caveat_for": "refund_refused@1"}), domain)
    assert responses(first) == ["utter_deadlines_dated"]
    shown = slot_events(events)["limits_shown"]
    again = CollectingDispatcher()
    await run(ActionExplainDeadlines(), again, conversation(
        [*turns, ("到底多久？", "ask_deadline")],
        slots={"caveat_for": "refund_refused@1", "limits_shown": shown}), domain)
    assert responses(again) == ["utter_deadlines_again"]
    block, short = render(domain, first.messages[0]), render(domain, again.messages[0])
    assert short.splitlines()[-1] in block and len(short) < len(block) / 2


@pytest.mark.anyio
async def test_without_the_date_it_depends_on_the_date_is_said_once(dispatcher, domain):
    from actions.guidance import ActionExplainDeadlines

    tracker = conversation([("卖家拒绝退款", "refund_refused"),
                            ("现在能直接申请小二介入吗？", "ask_deadline")],
                           slots={"caveat_for": "refund_refused@1"})
    await run(ActionExplainDeadlines(), dispatcher, tracker, domain)
    shown = render(domain, message(dispatcher, "utter_rule_answer"))
    prefix = "要看日期（告诉我是哪天，我换算成具体日期）。"
    assert shown.count(prefix) == 1 and shown.count("•") >= 2


@pytest.mark.anyio
async def test_can_i_still_ask_for_after_sales_gets_the_after_sales_deadline(dispatcher, domain):
    from actions.guidance import ActionExplainDeadlines

    tracker = conversation([("买的电热水壶用了两次就漏水", "quality_problem"),
                            ("我11月10号确认收货的，现在还能申请售后吗？", "ask_deadline")],
                           slots={"caveat_for": "quality_problem@1"})
    await run(ActionExplainDeadlines(), dispatcher, tracker, domain)
    shown = render(domain, message(dispatcher, "utter_rule_answer"))
    first = shown.split("•")[1]
    assert first.startswith(" 还来得及。申请售后") and "11月25日" in first


@pytest.mark.anyio
async def test_what_now_in_an_open_case_gets_the_current_step_not_a_shrug(dispatcher, domain):
    told = [("卖家一直不同意退款", "refund_refused"), ("11月16号申请的退款", "inform")]
    first = await run(ActionCaseTurn(), dispatcher, conversation(told, slots={"caveat_for": "refund_refused@1"}), domain)
    assert "utter_rung" in responses(dispatcher)  # the step, told once when the case is guided
    dispatcher.messages.clear()
    slots = {"caveat_for": "refund_refused@1", **slot_events(first)}
    await run(ActionCaseTurn(), dispatcher, conversation([*told, ("钱已经被系统退了，现在怎么办？", "inform")], slots=slots), domain)
    assert responses(dispatcher) == ["utter_rung_again"]  # one line: the step was shown in full
    shown = render(domain, message(dispatcher, "utter_rung_again"))
    assert "第" in shown and "{" not in shown
    dispatcher.messages.clear()
    await run(ActionCaseTurn(), dispatcher, conversation([*told, ("嗯嗯好的", "inform")], slots=slots), domain)
    assert "utter_rung" not in responses(dispatcher)  # only a question about what to do gets it


@pytest.mark.anyio
async def test_a_turn_of_limits_and_the_rung_fits_a_phone_screen(dispatcher, domain):
    from bot.turn.reply import PHONE_LINES, screen_lines

    turns = [("买的耐克鞋是假的，鞋标都是歪的", "counterfeit"), ("交易成功了，已经确认收货", "inform"),
             ("五金一直掉色，缝线也是歪的", "inform")]
    events = await run(ActionCaseTurn(), dispatcher, conversation(
        turns, asked=[None, "order_status", "key_date"], slots={"caveat_for": "counterfeit@1"}),
        domain)
    said = responses(dispatcher)
    assert said[0] == "utter_deadlines_undated"  # eleven limits: the rung just fits after them
    assert sum(screen_lines(render(domain, m)) for m in dispatcher.messages) <= PHONE_LINES
    assert "utter_guidance_menu" not in said  # the menu did not fit
    assert ("utter_rung" in said) == ("guided_for" in slot_events(events))
