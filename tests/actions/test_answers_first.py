"""Answers first: a turn's question gets the knowledge base's answer before anything else;
a short reply or an aside is read by its act, never "not sure how this relates"; a
question no rule covers gets the honest line."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.case import ActionCaseTurn
from bot.drafting.style import DraftStyle
from tests.actions.conftest import responses, slot_events
from tests.actions.test_case_actions import conversation, run
from tests.data import readers as trained_readers

STORY = ("卖家不同意退款", "refund_refused")
FACTS = ("订单号3920184756102938，11月16号申请的退款", "inform")


async def after_the_story(domain, last: tuple[str, str]):
    """The conversation STORY, FACTS, ``last``, with the slots the first two turns set."""
    slots: dict = {}
    for turns in ([STORY], [STORY, FACTS]):
        events = await run(ActionCaseTurn(), CollectingDispatcher(),
                           conversation(turns, slots=slots), domain)
        slots.update(slot_events(events))
    return conversation([STORY, FACTS, last], slots=slots)


@pytest.mark.anyio
async def test_a_question_in_a_case_is_answered_first(dispatcher, domain):
    tracker = conversation([STORY, ("退货的运费到底谁出啊", "inform")])
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    said = responses(dispatcher)
    assert said and said[0] == "utter_knowledge_answer", said


@pytest.mark.anyio
@pytest.mark.parametrize("reply", ["对", "嗯", "没有", "是的", "好的"])
async def test_a_short_reply_gets_a_reply(dispatcher, domain, reply):
    tracker = await after_the_story(domain, (reply, "affirm"))
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    said = responses(dispatcher)
    assert "utter_unclear_in_case" not in said
    assert said and said[0].startswith("utter_act_"), said


class _Acts:
    def __init__(self, act: str) -> None:
        self.fixed = act

    def act(self, text: str, context: str = "") -> str:
        return self.fixed


class _NoKnowledge:
    threshold = 0.0

    def ranking(self, text: str) -> list:
        return [("none", 1.0)]


class _Readers:
    def __init__(self, act: str) -> None:
        self.acts, self.knowledge = _Acts(act), _NoKnowledge()

    def act(self, text: str, context: str = "") -> str:
        return self.acts.act(text, context)

    def answers(self, *args, **kwargs) -> list:
        return []

    def role(self, text: str) -> None:
        return None

    def style(self, text: str) -> DraftStyle:
        return DraftStyle()

    def safety_flags(self, text: str) -> tuple[str, ...]:
        return ()

    def sum_kind(self, clause: str, before: str = "") -> str:
        return trained_readers().sum_kind(clause, before)

    def asks(self, *args, **kwargs) -> bool:
        return self.acts.fixed == "question"


@pytest.mark.anyio
async def test_a_question_no_rule_covers_gets_the_honest_line(dispatcher, domain, monkeypatch):
    monkeypatch.setattr(common, "readers", lambda: _Readers("question"))
    tracker = await after_the_story(domain, ("这个跟那个有啥区别", "inform"))
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    assert "utter_not_covered" in responses(dispatcher)


@pytest.mark.anyio
async def test_a_feeling_gets_empathy_then_the_step(dispatcher, domain, monkeypatch):
    monkeypatch.setattr(common, "readers", lambda: _Readers("feeling"))
    tracker = await after_the_story(domain, ("唉", "inform"))
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    said = responses(dispatcher)
    assert said[0] == "utter_act_feeling" and said[1].startswith("utter_rung"), said


@pytest.mark.anyio
async def test_situational_advice_comes_once_per_case(dispatcher, domain):
    story = ("买家投诉我们恶意骚扰，说我们一直打电话", "accused_of_harassment")
    events = await run(ActionCaseTurn(), dispatcher, conversation([story]), domain)
    assert responses(dispatcher).count("utter_advice") == 1
    shown = slot_events(events)["advice_shown"]
    again = CollectingDispatcher()
    await run(ActionCaseTurn(), again, conversation(
        [story, ("订单号3920184756102938", "inform")],
        slots={"advice_shown": shown, "caveat_for": "accused_of_harassment@1"}), domain)
    assert "utter_advice" not in responses(again)


def test_advice_data_is_checked(tmp_path):
    import yaml

    from bot.advice import AdviceError, load_advice
    from tests.data import catalog

    path = tmp_path / "advice.yml"
    path.write_text(yaml.safe_dump({"advice": [{"id": "x", "when": {"told": ["nope"]},
                                                "text": "t", "source": "src 000"}]}))
    with pytest.raises(AdviceError, match="x: when.told: unknown"):
        load_advice(path, catalog().sources, ["refund_refused"], ["blocked"], ["amount"])


@pytest.mark.anyio
async def test_the_turn_reading_is_kept_for_the_console(dispatcher, domain):
    events = await run(ActionCaseTurn(), dispatcher,
                       conversation([STORY, ("退货的运费到底谁出啊", "inform")]), domain)
    reading = slot_events(events)["turn_reading"]
    assert reading["act"] == "question"
    assert reading["knowledge"][0][0] == "freight_return_payer"
    assert "turn_reading" in domain["slots"]


class _Asked:
    """Readers whose knowledge model names one family, whatever is asked."""

    def __init__(self, family) -> None:
        self.family = family
        self.acts, self.knowledge = _Acts("question"), _NoKnowledge()

    def act(self, text: str, context: str = "") -> str:
        return "question"

    def answers(self, *args, **kwargs) -> list:
        from bot.knowledge import Match
        return [Match(self.family, 1.0)]

    def asks(self, *args, **kwargs) -> bool:
        return True

    def role(self, text: str) -> None:
        return None

    def style(self, text: str) -> DraftStyle:
        return DraftStyle()

    def safety_flags(self, text: str) -> tuple[str, ...]:
        return ()

    def sum_kind(self, clause: str, before: str = "") -> str:
        return trained_readers().sum_kind(clause, before)


@pytest.mark.anyio
async def test_a_question_about_a_time_limit_gets_the_case_s_date(dispatcher, domain,
                                                                   monkeypatch):
    """"When can I ask for intervention?" after the user said when they asked for the
    refund (11月16日): the answer ends with that limit as a calendar date."""
    family = common.catalog().knowledge.family("refund_when_intervention")
    assert "intervention_available" in family.limits
    monkeypatch.setattr(common, "readers", lambda: _Asked(family))
    tracker = await after_the_story(domain, ("那我最早哪天能叫小二", "inform"))
    await run(ActionCaseTurn(), dispatcher, tracker, domain)
    sent = [m for m in dispatcher.messages if m.get("response") == "utter_knowledge_answer"]
    assert sent, responses(dispatcher)
    assert "11月19日" in sent[0]["dated"], sent[0]["dated"]
