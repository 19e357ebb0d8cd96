"""The catalog: every data file loads once and agrees with the others; a broken one stops
start-up naming the file and the entry."""

from __future__ import annotations

import dataclasses

import pytest

import actions.common
import actions.server
from bot import catalog
from bot.catalog import load_catalog
from bot.understanding.lexicon import LexiconError
from tests.data import catalog as test_catalog


def test_every_data_file_loads_and_agrees() -> None:
    loaded = load_catalog()
    assert loaded.rulebook.entries() and loaded.statutes and loaded.drafts.kinds
    assert "src 000" in loaded.sources.practice and loaded.rulebook.holidays.years == {}


def test_a_lexicon_event_naming_an_unknown_rule_book_event_is_named(monkeypatch) -> None:
    lexicon = test_catalog().lexicon
    signed = dataclasses.replace(lexicon.events["signed"], rulebook=("goods_arrived",))
    broken = dataclasses.replace(lexicon, events={**lexicon.events, "signed": signed})
    monkeypatch.setattr(catalog, "load_lexicon", lambda _path: broken)
    with pytest.raises(LexiconError, match="events.signed.rulebook.*goods_arrived"):
        load_catalog()


def test_the_action_server_does_not_start_with_a_broken_data_file(monkeypatch) -> None:
    def broken() -> None:
        raise LexiconError("data/understanding/lexicon.yml", "events.signed", "broken")

    served: list[int] = []
    monkeypatch.setattr(actions.common, "catalog", broken)
    monkeypatch.setattr(actions.server, "guarded_app", lambda *_a, **_k: served.append(1))
    with pytest.raises(LexiconError, match="lexicon.yml: events.signed"):
        actions.server.main(["--port", "5999"])
    assert served == []


def test_a_rule_question_without_its_topic_label_stops_the_load(tmp_path) -> None:
    import shutil

    from bot.datafiles import DATA_DIR, DataFileError

    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns("nlu", "stories", "rules"))
    locale = copy / "locale" / "zh.yml"
    text = locale.read_text(encoding="utf-8")
    assert "    republish: " in text
    locale.write_text("\n".join(line for line in text.split("\n")
                                if not line.startswith("    republish: ")), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"zh.yml: questions.topic.republish"):
        load_catalog(copy)
    assert load_catalog(DATA_DIR).questions.kinds  # the repository's own files load
