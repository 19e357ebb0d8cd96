"""The case state folded turn by turn through snapshots equals the whole derivation, on
every user turn of every scenario file; a stale or broken snapshot is derived again."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
import yaml

from bot.understanding.snapshot import Snapshot, decode, encode, resume
from bot.understanding.state import Turn, derive_case_state, read_turn, step_case_state
from tests.data import catalog, readers

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "conversations").rglob("*.yml"))
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _pieces():
    book, lexicon, statutes = catalog().rulebook, catalog().lexicon, catalog().statutes
    step = functools.partial(step_case_state, book=book, lexicon=lexicon, statutes=statutes,
                             read_role=readers().role)
    derive = functools.partial(derive_case_state, book=book, lexicon=lexicon,
                               statutes=statutes, read_role=readers().role)
    return (lambda state, turn: step(state, turn)), derive, (
        lambda turn: read_turn(turn, lexicon))


def _conversations():
    for path in SCENARIOS:
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            yield path.stem, conversation


def test_there_are_scenarios():
    assert len(list(_conversations())) > 100


@pytest.mark.parametrize("stem", sorted({p.stem for p in SCENARIOS}))
def test_the_fold_equals_the_derivation_on_every_turn(stem):
    step, derive, read = _pieces()
    for _stem, conversation in (c for c in _conversations() if c[0] == stem):
        turns, snapshot = [], None
        for number, item in enumerate(conversation["turns"]):
            turns.append(Turn(text=str(item["user"]), time=NOW + dt.timedelta(minutes=number),
                              intent="inform" if number else None))
            folded, snapshot = resume(turns, snapshot, step, read)
            assert folded == derive(turns), f"{conversation['id']} turn {number + 1}"


def test_a_snapshot_of_other_turns_is_not_used():
    step, derive, read = _pieces()
    first = [Turn(text="卖家不同意退款，订单号3920184756102938", time=NOW)]
    _state, snapshot = resume(first, None, step, read)
    other = [Turn(text="买家拿差评要挟我", time=NOW), Turn(text="订单号1234567890", time=NOW)]
    state, _ = resume(other, snapshot, step, read)
    assert state == derive(other)


def test_a_broken_snapshot_is_derived_again():
    step, derive, read = _pieces()
    turns = [Turn(text="卖家不同意退款", time=NOW)]
    _state, snapshot = resume(turns, None, step, read)
    broken = Snapshot(snapshot.turns, snapshot.digest, "{not json")
    state, fresh = resume(turns, broken, step, read)
    assert state == derive(turns) and decode(fresh.state) is not None


def test_the_codec_keeps_dates_and_times():
    step, _derive, read = _pieces()
    turns = [Turn(text="11月16号晚上8点申请的退款，卖家拒绝了，订单号3920184756102938", time=NOW)]
    state, _ = resume(turns, None, step, read)
    again = decode(encode(state))
    again.latest = state.latest
    assert again == state and state.events
