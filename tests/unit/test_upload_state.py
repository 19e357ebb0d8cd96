"""Uploads in the case state: held until confirmed, corrected, refused; fold == derive."""

from __future__ import annotations

import datetime as dt
import functools

from bot.understanding.conversation import turns_from_events
from bot.understanding.snapshot import decode, encode, resume
from bot.understanding.state import Turn, derive_case_state, read_turn, step_case_state
from bot.understanding.story import tell
from bot.uploads.service import upload_payload, uploads_in
from tests.data import catalog, readers

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ORDER_TEXT = "订单号4012345678901234567。实付268.00元。2026年11月18日下单。"
CHAT_TEXT = "对方说“不给退，你自己看着办”。"


def _derive(turns):
    c = catalog()
    return derive_case_state(turns, c.rulebook, c.lexicon, c.statutes, readers().role)


def _upload(text, kind="order_page", name="order.png", minute=1):
    return Turn(text=text, time=NOW + dt.timedelta(minutes=minute), intent="upload_evidence",
                ranking=(("upload_evidence", 1.0),), upload=(kind, name))


def _said(text, intent="inform", minute=2):
    return Turn(text=text, time=NOW + dt.timedelta(minutes=minute), intent=intent,
                ranking=((intent, 0.9),))


def test_an_upload_is_held_until_the_user_confirms():
    opened = _said("卖家不同意退款", "refund_refused", 0)
    held = _derive([opened, _upload(ORDER_TEXT)])
    assert held.value("order_number") is None and held.value("amount") is None
    assert [fact.value for fact in held.pending] == ["order.png"] and not held.attachments
    confirmed = _derive([opened, _upload(ORDER_TEXT), _said("对", "affirm")])
    assert confirmed.value("order_number") == "4012345678901234567"
    assert confirmed.value("amount") == "268"
    assert confirmed.event_date("paid") == dt.date(2026, 11, 18)
    assert confirmed.facts["order_number"].turn == 2  # the upload's turn
    assert [(f.name, f.value) for f in confirmed.attachments] == [("order_page", "order.png")]
    assert confirmed.uploads_added == ("order.png",) and not confirmed.pending
    assert confirmed.case_type == "refund_refused"


def test_a_correction_confirms_and_wins():
    turns = [_said("卖家不同意退款", "refund_refused", 0), _upload(ORDER_TEXT),
             _said("金额不对，是286元")]
    state = _derive(turns)
    assert state.value("amount") == "286"
    assert state.value("order_number") == "4012345678901234567"
    assert state.attachments


def test_a_bare_no_keeps_the_image_but_not_what_was_read():
    state = _derive([_upload(ORDER_TEXT), _said("不对", "deny")])
    assert state.value("order_number") is None and state.event_date("paid") is None
    assert [f.value for f in state.attachments] == ["order.png"]
    assert not state.attachments[0].words


def test_a_question_leaves_the_upload_pending():
    state = _derive([_upload(ORDER_TEXT), _said("要准备什么证据", "ask_evidence")])
    assert state.pending and not state.attachments and state.value("order_number") is None


def test_several_uploads_are_confirmed_together():
    turns = [_upload(ORDER_TEXT), _upload(CHAT_TEXT, "chat", "chat.png", 2),
             _said("对", "affirm", 3)]
    state = _derive(turns)
    assert [f.value for f in state.attachments] == ["order.png", "chat.png"]
    assert any(value.startswith("对方说") for value in state.values("other_side"))


def test_the_story_tells_a_confirmed_chat_quote_only():
    c = catalog()
    turns = [_said("卖家不同意退款", "refund_refused", 0),
             _upload(CHAT_TEXT, "chat", "chat.png")]
    pending = _derive(turns)
    told = tell(turns, pending, c.lexicon, c.story, readers().is_fact)
    assert not any("不给退" in line.text for line in told)
    turns.append(_said("对", "affirm", 3))
    confirmed = _derive(turns)
    told = tell(turns, confirmed, c.lexicon, c.story, readers().is_fact)
    assert any("不给退" in line.text for line in told)


def test_the_fold_equals_the_derivation_with_uploads():
    c = catalog()
    step = functools.partial(step_case_state, book=c.rulebook, lexicon=c.lexicon,
                             statutes=c.statutes, read_role=readers().role)
    turns_all = [_said("卖家不同意退款", "refund_refused", 0), _upload(ORDER_TEXT),
                 _upload(CHAT_TEXT, "chat", "chat.png", 2),
                 _said("要准备什么证据", "ask_evidence", 3),
                 _said("实付是286元", "inform", 4), _upload("", "goods", "photo.png", 5),
                 _said("不对", "deny", 6)]
    turns, snapshot = [], None
    for turn in turns_all:
        turns.append(turn)
        folded, snapshot = resume(turns, snapshot, step, lambda t: read_turn(t, c.lexicon))
        assert folded == _derive(turns)
        again = decode(encode(folded))
        again.latest = folded.latest
        assert again == folded


def test_upload_turns_come_from_the_signed_payload_events():
    payload = upload_payload("a" * 24, "order.png", "order_page", ORDER_TEXT)
    entities = [{"entity": k, "value": v} for k, v in
                __import__("json").loads(payload[len("/upload_evidence"):]).items()]
    events = [{"event": "user", "text": payload, "timestamp": NOW.timestamp(),
               "parse_data": {"intent": {"name": "upload_evidence", "confidence": 1.0},
                              "entities": entities}}]
    turns = turns_from_events(events, catalog().rulebook.case_types())
    assert turns[0].text == ORDER_TEXT and turns[0].upload == ("order_page", "order.png")
    assert uploads_in(events) == [{"id": "a" * 24, "name": "order.png", "kind": "order_page"}]
