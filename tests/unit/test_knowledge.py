"""The knowledge base: validated on load (errors name file and entry), and the retrieval
model finds a family from a paraphrase it never saw, or none."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeError, KnowledgeModel, load_knowledge
from bot.knowledge.retrieval import NONE, decide, segments
from bot.readers import text_preparer
from tests.data import catalog

SOURCES, CASES = catalog().sources, catalog().rulebook.case_types()
PREPARE = text_preparer(catalog().mixed_language)


def family(ident: str, question: str, paraphrases: list[str], **extra) -> dict:
    return {"id": ident, "question": question, "roles": ["buyer"], "cases": ["any"],
            "paraphrases": paraphrases, "answer": f"{question}的答案", "sources": ["src 002"]
            } | extra


FREIGHT = ["退货运费谁出", "退货的运费谁来付", "寄回去的邮费谁承担", "退货运费要我自己出吗",
           "退回去运费谁给", "运费是买家出还是卖家出", "退货邮费谁付啊", "退货快递费谁掏",
           "退货要自己付运费吗", "退回运费由谁承担", "退货的话运费怎么算"]
REPORT = ["举报假货多久有结果", "举报卖假货要几天", "举报以后多久处理", "假货举报几个工作日",
          "举报售假要等多久", "举报了假货什么时候出结果", "举报处理要多长时间", "举报假货要多久",
          "举报之后几天能处理完", "举报出售假货处理时间", "假货举报多久处理"]
NON = ["对", "嗯", "没有", "订单号3920184756102938", "13号申请的退款", "谢谢", "气死了",
       "是个蓝牙耳机", "好的", "卖家拒绝了", "帮我写个申诉"]


def write(folder: Path, families: list[dict], none: list[str] | None = None,
          threshold: float = 0.4) -> Path:
    (folder / "families").mkdir(parents=True)
    (folder / "families" / "topic.yml").write_text(
        yaml.safe_dump(families, allow_unicode=True), encoding="utf-8")
    (folder / "none.yml").write_text(yaml.safe_dump(
        [{"text": t} for t in (NON if none is None else none)], allow_unicode=True),
        encoding="utf-8")
    (folder / "model.yml").write_text(yaml.safe_dump(
        {"c": 10.0, "threshold": threshold, "folds": 5, "cv_accuracy": 0.9}), encoding="utf-8")
    return folder


def test_the_repository_knowledge_loads_with_many_families():
    knowledge = catalog().knowledge
    assert len(knowledge.families) >= 200
    assert all(len(f.paraphrases) >= 10 and f.citations for f in knowledge.families)


@pytest.mark.parametrize("broken, problem", [
    ({"roles": ["customer"]}, "roles"),
    ({"cases": ["no_such_case"]}, "unknown case types"),
    ({"paraphrases_": None}, "paraphrases"),
    ({"sources": ["src 999"]}, "src 999"),
    ({"follow_ups": ["nowhere"]}, "unknown follow_ups"),
    ({"answer": ""}, "answer"),
])
def test_a_broken_family_names_its_file_and_entry(tmp_path, broken, problem):
    if "paraphrases_" in broken:  # too few paraphrases
        broken = {"paraphrases": FREIGHT[:3]}
    folder = write(tmp_path / "kb", [family("freight", "退货运费谁出", FREIGHT) | broken])
    with pytest.raises(ValueError) as error:
        load_knowledge(folder, SOURCES, CASES)
    assert "freight" in str(error.value) and problem in str(error.value)


def test_a_duplicate_id_is_refused(tmp_path):
    folder = write(tmp_path / "kb", [family("freight", "a", FREIGHT),
                                     family("freight", "b", REPORT)])
    with pytest.raises(KnowledgeError, match="id also used"):
        load_knowledge(folder, SOURCES, CASES)


def test_the_model_finds_the_family_of_an_unseen_paraphrase_and_none_for_a_reply(tmp_path):
    folder = write(tmp_path / "kb", [family("freight", "退货运费谁出", FREIGHT),
                                     family("report", "举报假货多久有结果", REPORT)])
    model = KnowledgeModel(load_knowledge(folder, SOURCES, CASES), PREPARE)
    assert [m.family.id for m in model.asked("请问退货的邮费是谁出的")] == ["freight"]
    assert [m.family.id for m in model.asked("舉報假貨要多久")] == ["report"]
    assert model.asked("嗯") == []


def test_a_post_asks_at_its_end_and_two_questions_get_two_answers(tmp_path):
    folder = write(tmp_path / "kb", [family("freight", "退货运费谁出", FREIGHT),
                                     family("report", "举报假货多久有结果", REPORT)])
    model = KnowledgeModel(load_knowledge(folder, SOURCES, CASES), PREPARE)
    post = "上周买了双鞋，订单号3920184756102938，收到发现是假的。举报假货要几天？退货运费谁出？"
    assert {m.family.id for m in model.asked(post)} == {"freight", "report"}
    assert segments("一句话") == ["一句话"]


def test_below_the_threshold_is_none():
    classes = ["a", NONE]
    assert decide(classes, [0.3, 0.7], 0.5) == NONE
    assert decide(classes, [0.45, 0.55], 0.4) == NONE
    assert decide(["a", "b", NONE], [0.45, 0.3, 0.25], 0.4) == "a"
    assert decide(["a", "b", NONE], [0.45, 0.3, 0.25], 0.5) == NONE


def test_the_classifier_ranks_two_classes_too():
    from bot.textclassifier import TextClassifier

    model = TextClassifier(c=1.0).fit(["退货运费谁出", "运费谁付", "举报多久", "举报几天"],
                                      ["a", "a", "b", "b"])
    margins = model.scores(["运费谁出啊", "举报要几天"])
    assert margins.shape == (2, 2)
    assert [model.classes[i] for i in margins.argmax(1)] == ["a", "b"]
