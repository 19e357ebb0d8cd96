"""The clause model (bot/understanding/clause_kinds.py): its data validated with the file
and the entry named, its threshold the one cross-validation chose, and facts told apart
from questions, feelings, requests and fillers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.understanding.clause_kinds import ClauseDataError, load_clause_data
from tests.data import catalog, readers

DATA = Path(__file__).resolve().parents[2] / "data" / "understanding"


def test_the_threshold_is_the_chosen_one_and_cv_figures_are_recorded():
    settings = catalog().clauses.settings
    assert readers().clauses.threshold == settings.threshold
    assert settings.cv_fact_recall >= 0.9 and settings.cv_fact_precision >= 0.9


@pytest.mark.parametrize(("clause", "fact"), [
    ("卖家11月3号就拒绝了我的退款", True), ("我手上有开箱视频", True), ("客服说让我再等三天", True),
    ("这能退吗", False), ("帮我写个投诉", False), ("气死我了", False), ("你好", False),
])
def test_facts_are_told_apart(clause, fact):
    assert readers().is_fact(clause) is fact


def test_a_bad_label_names_the_file_and_the_entry(tmp_path: Path):
    shutil.copy(DATA / "clause_model.yml", tmp_path / "clause_model.yml")
    (tmp_path / "clauses").mkdir()
    (tmp_path / "clauses" / "bad.yml").write_text(
        "- {text: 卖家不发货, label: fact}\n- {text: 嗯, label: chatter}\n", encoding="utf-8")
    with pytest.raises(ClauseDataError) as error:
        load_clause_data(tmp_path)
    assert "bad.yml" in str(error.value) and "entry 2" in str(error.value)
