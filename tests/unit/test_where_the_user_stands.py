"""The ladder position follows what the case told: done steps are passed, a step applies
only once what it needs was told (an appeal needs a ruling)."""

from __future__ import annotations

import datetime as dt

from bot.guidance import CaseFacts, build_guidance
from bot.understanding.conversation import Turn
from bot.understanding.dialogue import case_facts
from bot.understanding.state import derive_case_state
from tests.data import catalog

BOOK, LEXICON, STATUTES = catalog().rulebook, catalog().lexicon, catalog().statutes
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def rung_id(told: set[str], case: str = "refund_refused") -> str:
    facts = CaseFacts(case_type=case, role="buyer", order_status=None, key_date=None,
                      today=TODAY, told=frozenset(told))
    result = build_guidance(BOOK, facts)
    return result.ladder[result.current_rung_index].id


def test_nothing_told_starts_at_the_seller():
    assert rung_id(set()) == "seller_contact"


def test_a_refusal_or_a_block_is_past_the_seller():
    assert rung_id({"seller_refused"}) != "seller_contact"
    assert rung_id({"seller_blocked"}) != "seller_contact"


def test_an_intervention_without_a_ruling_stays_there():
    assert rung_id({"refund_requested", "intervention_requested"}) == "platform_intervention"


def test_a_ruling_leads_to_the_appeal_and_two_failed_appeals_past_it():
    assert rung_id({"intervention_requested", "ruling_received"}) == "appeal"
    after = rung_id({"intervention_requested", "ruling_received", "appeals_exhausted"})
    assert after == "external_complaint"


def test_the_story_tells_the_steps_without_dates():
    turns = [Turn(text="卖家不同意退款，还把我拉黑了，我申请了小二介入", time=NOW,
                  intent="refund_refused")]
    state = derive_case_state(turns, BOOK, LEXICON, STATUTES)
    told = state.rulebook_told(LEXICON)
    assert {"seller_refused", "seller_blocked", "intervention_requested"} <= told
    facts = case_facts(state, TODAY, BOOK, LEXICON)
    assert facts is not None and facts.told == told


def test_a_negated_step_is_not_told():
    turns = [Turn(text="还没有申请介入", time=NOW, intent="refund_refused")]
    state = derive_case_state(turns, BOOK, LEXICON, STATUTES)
    assert "intervention_requested" not in state.rulebook_told(LEXICON)
