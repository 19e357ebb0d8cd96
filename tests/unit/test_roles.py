"""The role reader: the user's role as the words imply it, and how the case state uses it
(only when no cue said the role and the case type does not settle it)."""

from __future__ import annotations

import datetime as dt

from bot.understanding.conversation import Turn
from bot.understanding.state import derive_case_state
from tests.data import catalog, readers

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def state_after(text: str, read_role, intent: str | None = None):
    book = catalog().rulebook
    return derive_case_state([Turn(text=text, time=NOW, intent=intent)], book,
                             catalog().lexicon, catalog().statutes, read_role)


def test_implied_roles_are_read():
    assert readers().role("买家拿差评要挟我 让我返现五十才肯改好评") == "seller"
    assert readers().role("收到的鞋子穿了两天就开胶了 申请退货被拒") == "buyer"


def test_a_short_reply_implies_no_role():
    assert readers().role("好的") is None


def test_the_reading_fills_an_unknown_role_only():
    assert state_after("这事儿怎么弄", lambda text: "seller").role == "seller"
    assert state_after("这事儿怎么弄", None).role is None


def test_a_said_role_wins_over_the_reading():
    state = state_after("我是买家，这事儿怎么弄", lambda text: "seller")
    assert state.role == "buyer" and state.role_said


def test_the_reading_never_contradicts_a_one_role_case():
    book = catalog().rulebook
    single = next(case for case in book.case_types() if len(book.roles_for(case)) == 1)
    other = {"buyer": "seller", "seller": "buyer"}[book.roles_for(single)[0]]
    state = state_after("说来话长", lambda text: other, intent=single)
    assert state.role != other
