"""A case told beside a request: the case named first, the request kept beside it."""

from __future__ import annotations

from bot.understanding.conversation import turns_from_events
from bot.understanding.two_in_one import case_first, request_beside, request_first
from tests.data import catalog

CASES = {"refund_refused", "counterfeit", "malicious_review"}


def test_a_request_with_a_sure_enough_case_beside_it_names_the_case_first() -> None:
    ranking = [("request_draft", 0.55), ("greet", 0.2), ("refund_refused", 0.18)]
    moved = case_first(ranking, CASES)
    assert moved == [("refund_refused", 0.18), ("request_draft", 0.55), ("greet", 0.2)]
    assert request_beside(moved, CASES) == "request_draft"
    assert request_first(moved, CASES) == [("request_draft", 0.55), ("refund_refused", 0.18),
                                           ("greet", 0.2)]


def test_other_rankings_stay_as_they_are() -> None:
    weak = [("request_draft", 0.8), ("refund_refused", 0.1)]
    plain_case = [("refund_refused", 0.7), ("request_draft", 0.2)]
    no_case = [("ask_deadline", 0.6), ("greet", 0.3)]
    chat = [("greet", 0.6), ("refund_refused", 0.3)]
    for ranking in (weak, plain_case, no_case, chat, []):
        assert case_first(ranking, CASES) == list(ranking)
    assert request_beside(plain_case, CASES) is None  # the case is the surer one: no request
    assert request_first(plain_case, CASES) == plain_case
    assert case_first(weak, CASES, beside_confidence=0.05)[0] == ("refund_refused", 0.1)


def test_the_conversation_reads_the_turn_as_the_classifier_ranked_it() -> None:
    parse = {"intent": {"name": "refund_refused", "confidence": 0.18},
             "intent_ranking": [{"name": "refund_refused", "confidence": 0.18},
                                {"name": "request_draft", "confidence": 0.55}]}
    turn, = turns_from_events([{"event": "user", "text": "x", "parse_data": parse}],
                              catalog().rulebook.case_types())
    assert turn.intent == "request_draft"
    assert turn.ranking == (("request_draft", 0.55), ("refund_refused", 0.18))
