"""bot.nlu: the text normalizer and the spaCy rule entity extractor as Rasa components.

Components are created through their ``create`` classmethods with real Rasa objects and
run on real ``Message`` / ``TrainingData`` objects. Offsets are always checked against the
ORIGINAL text (what the user typed), which must slice to the entity's surface form.
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.chinese_forms import normalize
from bot.nlu.entities import (
    PatternFileError,
    SpacyRuleEntityExtractor,
    build_pipeline,
    load_patterns,
    normalize_amount,
)
from bot.nlu.normalizer import ORIGINAL_TEXT_KEY, ChineseTextNormalizer

REPO = Path(__file__).resolve().parents[2]
PATTERNS = REPO / "data" / "entities" / "patterns.yml"
USERDICT = REPO / "data" / "dictionary" / "userdict.txt"


def _has_date_parser() -> bool:
    if importlib.util.find_spec("bot.dates") is None:
        return False
    return hasattr(importlib.import_module("bot.dates"), "find_date_spans")


HAS_DATE_PARSER = _has_date_parser()
NEEDS_DATE_PARSER = pytest.mark.skipif(
    not HAS_DATE_PARSER, reason="bot/dates.py (find_date_spans) is not available yet"
)

# Entity names and values from docs/architecture.md.
VALUE_SETS = {
    "tone": {"polite", "firm"},
    "role": {"buyer", "seller"},
    "order_status": {
        "unpaid",
        "not_shipped",
        "shipped",
        "received",
        "completed",
        "refunding",
        "closed",
    },
    "addressee": {"seller", "platform", "regulator"},
}
FREE_VALUE_ENTITIES = {"order_number", "amount", "date"}


# --- fixtures --------------------------------------------------------------------------


def _create(cls, tmp_path: Path, **config):
    return cls.create(
        {**cls.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("x"),
        ExecutionContext(GraphSchema({}), "1"),
    )


@pytest.fixture(scope="module")
def normalizer(tmp_path_factory) -> ChineseTextNormalizer:
    return _create(ChineseTextNormalizer, tmp_path_factory.mktemp("normalizer"))


@pytest.fixture(scope="module")
def extractor(tmp_path_factory) -> SpacyRuleEntityExtractor:
    return _create(SpacyRuleEntityExtractor, tmp_path_factory.mktemp("extractor"))


def run(normalizer, extractor, text: str, **data) -> Message:
    message = Message(data={TEXT: text, **data})
    normalizer.process([message])
    extractor.process([message])
    return message


def found(message: Message) -> list[tuple[str, str, str]]:
    """(entity, value, surface in the ORIGINAL text) for every entity of the message."""
    original = message.get(ORIGINAL_TEXT_KEY)
    return [
        (e["entity"], e["value"], original[e["start"] : e["end"]])
        for e in message.get(ENTITIES, [])
    ]


# --- normalizer ------------------------------------------------------------------------


def test_normalizer_traditional_and_full_width_same_length(normalizer):
    original = "訂單號１２３４５６７８９０１２３４５６，賣家還沒發貨！"
    message = Message(data={TEXT: original})
    normalizer.process([message])
    assert message.get(TEXT) == "订单号1234567890123456,卖家还没发货!"
    assert len(message.get(TEXT)) == len(original)
    assert message.get(ORIGINAL_TEXT_KEY) == original
    # the original is part of the parse result Rasa returns
    assert message.as_dict(only_output_properties=True)[ORIGINAL_TEXT_KEY] == original


def test_normalizer_keeps_simplified_text_and_first_original(normalizer):
    message = Message(data={TEXT: "我是买家"})
    normalizer.process([message])
    assert message.get(TEXT) == "我是买家"
    assert message.get(ORIGINAL_TEXT_KEY) == "我是买家"

    twice = Message(data={TEXT: "賣家"})
    normalizer.process([twice])
    normalizer.process([twice])
    assert (twice.get(TEXT), twice.get(ORIGINAL_TEXT_KEY)) == ("卖家", "賣家")


def test_normalizer_skips_messages_without_text(normalizer):
    message = Message(data={"intent": "greet"})
    normalizer.process([message])
    assert message.get(TEXT) is None
    assert message.get(ORIGINAL_TEXT_KEY) is None


def test_normalizer_custom_key_and_output_flag(tmp_path):
    component = _create(
        ChineseTextNormalizer, tmp_path, original_text_key="raw", add_original_to_output=False
    )
    message = Message(data={TEXT: "ＡＢＣ　退款"})
    component.process([message])
    assert (message.get(TEXT), message.get("raw")) == ("ABC 退款", "ＡＢＣ　退款")
    assert "raw" not in message.as_dict(only_output_properties=True)


def test_normalizer_process_training_data(normalizer):
    examples = [
        Message(data={TEXT: "賣家不發貨怎麼辦", "intent": "not_shipped"}),
        Message(
            data={
                TEXT: "訂單號１２３４５６７８９０１２３４５６７８",
                "intent": "inform",
                ENTITIES: [{"entity": "order_number", "start": 3, "end": 21, "value": "x"}],
            }
        ),
        Message(data={"intent": "greet"}),
    ]
    training_data = TrainingData(training_examples=examples)
    result = normalizer.process_training_data(training_data)
    assert isinstance(result, TrainingData)
    texts = [m.get(TEXT) for m in result.training_examples]
    assert texts[:2] == ["卖家不发货怎么办", "订单号123456789012345678"]
    assert result.training_examples[0].get(ORIGINAL_TEXT_KEY) == "賣家不發貨怎麼辦"
    # annotated entity offsets still point at the same characters
    annotated = result.training_examples[1].get(ENTITIES)[0]
    assert texts[1][annotated["start"] : annotated["end"]] == "123456789012345678"


def test_normalizer_output_feeds_jieba_tokenizer(tmp_path, normalizer):
    tokenizer = _create(JiebaTokenizer, tmp_path, dictionary_path=str(USERDICT.parent))
    original = "申請客服介入後小二判我輸了"
    message = Message(data={TEXT: original})
    normalizer.process([message])
    tokenizer.process([message])
    tokens = message.get(TEXT_TOKENS)
    assert [t.text for t in tokens][:2] == ["申请客服介入", "后"]
    # token offsets index the original text as well
    assert "".join(original[t.start : t.end] for t in tokens) == original


# --- entities: positive cases ----------------------------------------------------------

# (message as typed, entity, value, surface form in the typed message)
POSITIVE = [
    # order_number
    ("訂單號１２３４５６７８９０１２３４５６", "order_number", "1234567890123456",
     "１２３４５６７８９０１２３４５６"),
    ("我的订单号是123456789012345678", "order_number", "123456789012345678",
     "123456789012345678"),
    ("订单编号：2026110312345678901", "order_number", "2026110312345678901",
     "2026110312345678901"),
    ("订单号 12345678", "order_number", "12345678", "12345678"),
    ("就是这单 3321456789012345678 一直没发", "order_number", "3321456789012345678",
     "3321456789012345678"),
    # amount
    ("花了99元", "amount", "99", "99元"),
    ("退我200块", "amount", "200", "200块"),
    ("一共35块钱", "amount", "35", "35块钱"),
    ("价格是¥1,299.50", "amount", "1299.5", "¥1,299.50"),
    ("付了￥88", "amount", "88", "￥88"),
    ("才50RMB", "amount", "50", "50RMB"),
    ("２００塊錢", "amount", "200", "２００塊錢"),
    ("两百块钱", "amount", "200", "两百块钱"),
    ("1.5万元的手机", "amount", "15000", "1.5万元"),
    ("11.3元", "amount", "11.3", "11.3元"),
    # date (value: the matched, normalized text)
    ("今天刚买的", "date", "今天", "今天"),
    ("昨天签收的", "date", "昨天", "昨天"),
    ("前天付的款", "date", "前天", "前天"),
    ("3天前下的单", "date", "3天前", "3天前"),
    ("上周五发的货", "date", "上周五", "上周五"),
    ("上個月15號買的", "date", "上个月15号", "上個月15號"),
    ("11月3号申请的退款", "date", "11月3号", "11月3号"),
    ("11.3买的", "date", "11.3", "11.3"),
    ("2026-11-03那天", "date", "2026-11-03", "2026-11-03"),
    ("10月1日下午收到的", "date", "10月1日下午", "10月1日下午"),
    # tone
    ("语气客气点", "tone", "polite", "客气点"),
    ("写得委婉一些", "tone", "polite", "写得委婉一些"),
    ("用礼貌的语气", "tone", "polite", "礼貌的语气"),
    ("温和一点吧", "tone", "polite", "温和一点"),
    ("客气的", "tone", "polite", "客气"),
    ("写得强硬一点", "tone", "firm", "写得强硬一点"),
    ("严厉些", "tone", "firm", "严厉些"),
    ("凶一点", "tone", "firm", "凶一点"),
    ("硬气点，别太客气", "tone", "firm", "硬气点"),
    ("強硬", "tone", "firm", "強硬"),
    # role: first-person statements and one-word answers
    ("我是卖家", "role", "seller", "我是卖家"),
    ("我是商家，买家恶意差评", "role", "seller", "我是商家"),
    ("我开店的", "role", "seller", "我开店的"),
    ("我是开网店的", "role", "seller", "我是开网店的"),
    ("我们店被投诉了", "role", "seller", "我们店"),
    ("作为卖家我很无奈", "role", "seller", "作为卖家"),
    ("卖家", "role", "seller", "卖家"),
    ("賣家。", "role", "seller", "賣家"),
    ("我是买家", "role", "buyer", "我是买家"),
    ("我作为买家，卖家一直不发货", "role", "buyer", "我作为买家"),
    ("买家", "role", "buyer", "买家"),
    # order_status
    ("还没付款", "order_status", "unpaid", "还没付款"),
    ("卖家还没发货", "order_status", "not_shipped", "还没发货"),
    ("显示未发货", "order_status", "not_shipped", "未发货"),
    ("已经发货了", "order_status", "shipped", "已经发货了"),
    ("物流显示在路上", "order_status", "shipped", "在路上"),
    ("一直显示运输中", "order_status", "shipped", "运输中"),
    ("快递显示签收了但我没收到货", "order_status", "received", "显示签收了"),
    ("已签收", "order_status", "received", "已签收"),
    ("交易成功了", "order_status", "completed", "交易成功"),
    ("我已经确认收货了", "order_status", "completed", "已经确认收货了"),
    ("现在是退款中", "order_status", "refunding", "退款中"),
    ("我申请退款了", "order_status", "refunding", "申请退款了"),
    ("售后中", "order_status", "refunding", "售后中"),
    ("交易關閉了", "order_status", "closed", "交易關閉了"),
    # addressee
    ("帮我写给卖家", "addressee", "seller", "写给卖家"),
    ("发给店家看看", "addressee", "seller", "发给店家"),
    ("帮我写给客服", "addressee", "platform", "写给客服"),
    ("给平台写一封", "addressee", "platform", "给平台写"),
    ("写一封给小二的申诉", "addressee", "platform", "写一封给小二"),
    ("我要打12315", "addressee", "regulator", "12315"),
    ("去消协投诉", "addressee", "regulator", "消协"),
    ("向市场监管局举报", "addressee", "regulator", "市场监管局"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "entity", "value", "surface"), POSITIVE)
def test_entity_extracted_with_offsets_on_original(
    normalizer, extractor, text, entity, value, surface
):
    message = run(normalizer, extractor, text)
    assert (entity, value, surface) in found(message), found(message)
    for item in message.get(ENTITIES):
        assert item["confidence"] == 1.0
        assert item["extractor"] == "SpacyRuleEntityExtractor"
        assert 0 <= item["start"] < item["end"] <= len(text)


def test_several_entities_in_one_traditional_message(normalizer, extractor):
    text = (
        "我是買家，訂單號１２３４５６７８９０１２３４５６７８，上個月15號付了２００元，"
        "賣家還沒發貨，幫我寫給賣家，語氣強硬一點"
    )
    assert set(found(run(normalizer, extractor, text))) == {
        ("role", "buyer", "我是買家"),
        ("order_number", "123456789012345678", "１２３４５６７８９０１２３４５６７８"),
        ("date", "上个月15号", "上個月15號"),
        ("amount", "200", "２００元"),
        ("order_status", "not_shipped", "還沒發貨"),
        ("addressee", "seller", "寫給賣家"),
        ("tone", "firm", "強硬一點"),
    }


# --- entities: negative cases ----------------------------------------------------------


def test_buyer_talking_about_the_seller_is_not_a_role(normalizer, extractor):
    message = run(normalizer, extractor, "卖家不同意退款")
    assert [e for e in message.get(ENTITIES) if e["entity"] == "role"] == []


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "卖家不同意退款",
        "请问怎么申请客服介入",
        "",
        "   ",
    ],
)
def test_message_without_entities_gives_none(normalizer, extractor, text):
    assert run(normalizer, extractor, text).get(ENTITIES) == []


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("我不是卖家", "role"),
        ("我是卖家的朋友", "role"),
        ("作为卖家，他应该发货", "role"),
        ("卖家说我是骗子", "role"),
        ("卖家很不礼貌", "tone"),
        ("卖家态度很强硬", "tone"),
        ("卖家态度一点都不友好", "tone"),
        ("卖家发货了吗", "order_status"),
        ("卖家有没有发货", "order_status"),
        ("快递单号773123456789012345", "order_number"),
        ("订单号123，电话13812345678", "order_number"),
        ("42号的鞋", "date"),
        ("11.3元", "date"),
        ("两块玻璃碎了", "amount"),
        ("我们一块去", "amount"),
        ("客服介入了", "addressee"),
        ("卖家客服说不能退", "addressee"),
    ],
)
def test_no_false_positive(normalizer, extractor, text, entity):
    message = run(normalizer, extractor, text)
    assert [e for e in message.get(ENTITIES) if e["entity"] == entity] == []


# --- entities: merging, options, robustness ----------------------------------------------


def test_existing_entities_are_kept(normalizer, extractor):
    other = {"entity": "item", "value": "手机", "start": 0, "end": 2, "extractor": "Other"}
    message = run(normalizer, extractor, "手机还没发货", **{ENTITIES: [dict(other)]})
    entities = message.get(ENTITIES)
    assert entities[0] == other
    assert [(e["entity"], e["value"]) for e in entities[1:]] == [("order_status", "not_shipped")]
    assert ENTITIES in message.as_dict(only_output_properties=True)


def test_entities_option_restricts_output(tmp_path, normalizer):
    only = _create(SpacyRuleEntityExtractor, tmp_path, entities=["amount"])
    message = run(normalizer, only, "我是买家，花了99元")
    assert [(e["entity"], e["value"]) for e in message.get(ENTITIES)] == [("amount", "99")]


def test_ten_thousand_character_message(normalizer, extractor):
    sentence = "我是買家，訂單號１２３４５６７８９０１２３４５６７８，上個月15號付了２００元。"
    text = (sentence * 400)[:10_000]
    assert len(text) == 10_000
    started = time.monotonic()
    message = run(normalizer, extractor, text)
    assert time.monotonic() - started < 30
    entities = message.get(ENTITIES)
    assert len(entities) > 100
    for item in entities:
        assert text[item["start"] : item["end"]]
    assert {e["entity"] for e in entities} >= {"role", "order_number", "date", "amount"}


def test_messages_without_text_are_skipped(extractor):
    message = Message(data={"intent": "greet"})
    extractor.process([message])
    assert message.get(ENTITIES) is None


def test_extractor_process_training_data_adds_no_labels(extractor):
    example = Message(data={TEXT: "我是卖家，花了99元", "intent": "inform"})
    training_data = TrainingData(training_examples=[example])
    result = extractor.process_training_data(training_data)
    assert result is training_data
    assert example.get(ENTITIES) is None


def test_pipeline_is_built_lazily_once(tmp_path):
    component = _create(SpacyRuleEntityExtractor, tmp_path)
    assert component._nlp is None
    component.process([Message(data={TEXT: "你好"})])
    first = component._nlp
    component.process([Message(data={TEXT: "我是卖家"})])
    assert first is not None and component._nlp is first


def test_dates_work_without_the_date_parser(tmp_path, normalizer):
    pattern_only = _create(SpacyRuleEntityExtractor, tmp_path, use_date_parser=False)
    for text, surface in [("上個月15號", "上個月15號"), ("上周五", "上周五"), ("3天前", "3天前")]:
        assert ("date", normalize(surface), surface) in found(run(normalizer, pattern_only, text))


@NEEDS_DATE_PARSER
@pytest.mark.parametrize(
    "text", ["上個月15號買的", "上周五下午发的货", "3天前", "11.3买的", "2026-11-03", "前天晚上"]
)
def test_date_values_resolve_with_bot_dates(normalizer, extractor, text):
    import datetime as dt

    from bot.dates import SHANGHAI, resolve_date

    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    dates = [e for e in run(normalizer, extractor, text).get(ENTITIES) if e["entity"] == "date"]
    assert len(dates) == 1
    assert resolve_date(dates[0]["value"], now).status == "ok"


def test_amount_normalization():
    assert normalize_amount("1,299.50") == "1299.5"
    assert normalize_amount("1.5万") == "15000"
    assert normalize_amount("3千") == "3000"
    assert normalize_amount("两百五十") == "250"
    assert normalize_amount("一万二千") == "12000"
    assert normalize_amount("十") == "10"
    assert normalize_amount("一二") == "12"  # cn2an reads digits spoken one by one
    assert normalize_amount("几百") is None


# --- pattern data, dictionary, registration ----------------------------------------------


def test_pattern_file_labels_values_and_no_conflicting_phrases():
    ruler, regex = load_patterns(str(PATTERNS))
    owner: dict[str, tuple[str, str | None]] = {}
    for pattern in ruler:
        label = pattern["label"]
        if not label.startswith("_"):
            assert label in VALUE_SETS or label in FREE_VALUE_ENTITIES, label
            if label in VALUE_SETS:
                assert pattern.get("id") in VALUE_SETS[label], pattern
        if isinstance(pattern["pattern"], str):
            key = (label, pattern.get("id"))
            assert owner.setdefault(pattern["pattern"], key) == key, pattern
    for rule in regex:
        assert rule["label"] in VALUE_SETS or rule["label"] in FREE_VALUE_ENTITIES
        if rule["label"] in VALUE_SETS:
            assert rule["id"] in VALUE_SETS[rule["label"]], rule
    assert {r["label"] for r in regex} >= {"order_number", "amount", "date", "role"}


def test_bad_pattern_file_is_rejected(tmp_path):
    bad = tmp_path / "patterns.yml"
    bad.write_text("regex:\n  - label: date\n    pattern: '(unclosed'\n", encoding="utf-8")
    with pytest.raises(PatternFileError):
        load_patterns(str(bad))
    bad.write_text("ruler:\n  - label: tone\n    phrase: [客气]\n", encoding="utf-8")
    with pytest.raises(PatternFileError):
        load_patterns(str(bad))


def test_userdict_format_and_domain_terms():
    lines = USERDICT.read_text(encoding="utf-8").splitlines()
    words = set()
    for line in lines:
        assert re.fullmatch(r"\S+ \d+ [a-z]+", line), line
        words.add(line.split()[0])
    required = {
        "小二", "客服介入", "大众评审", "维权中心", "交易成功", "申请售后", "申请退款",
        "仅退款", "退货退款", "12315", "消协", "千牛", "旺旺", "阿里旺旺", "天猫", "淘宝",
        "恶意骚扰", "恶意评价", "虚假发货", "延迟发货", "未收到货", "描述不符", "假货",
        "盗图", "签收底单", "举证", "申诉", "维权", "市场监管局", "冥币", "寿衣", "差评",
        "职业差评师", "菜鸟", "旺旺举证号", "订单号",
    }  # fmt: skip
    assert required <= words
    # Rasa's JiebaTokenizer loads every file in data/dictionary/: keep only jieba files there
    assert sorted(p.name for p in USERDICT.parent.iterdir()) == ["userdict.txt"]


def test_spacy_and_rasa_tokenization_agree(tmp_path):
    nlp = build_pipeline(str(PATTERNS), str(USERDICT), use_date_parser=False)
    tokenizer = _create(JiebaTokenizer, tmp_path, dictionary_path=str(USERDICT.parent))
    for text in ["申请客服介入后小二判我输了", "大众评审说描述不符", "卖家虚假发货被我举证了"]:
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        rasa_tokens = [(t.text, t.start) for t in message.get(TEXT_TOKENS)]
        spacy_tokens = [(t.text, t.idx) for t in nlp.make_doc(text)]
        assert rasa_tokens == spacy_tokens


@pytest.mark.parametrize(
    ("path", "cls", "component_type"),
    [
        (
            "bot.nlu.normalizer.ChineseTextNormalizer",
            ChineseTextNormalizer,
            DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER,
        ),
        (
            "bot.nlu.entities.SpacyRuleEntityExtractor",
            SpacyRuleEntityExtractor,
            DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
        ),
    ],
)
def test_components_registered_under_their_dotted_path(path, cls, component_type):
    registered = DefaultV1Recipe._from_registry(path)
    assert registered.clazz is cls
    assert registered.types == {component_type}
    assert registered.is_trainable is False


def test_recipe_builds_a_valid_graph_with_normalizer_first():
    from rasa.engine.validation import validate
    from rasa.shared.data import TrainingType

    config = {
        "recipe": "default.v1",
        "language": "zh",
        "pipeline": [
            {"name": "bot.nlu.normalizer.ChineseTextNormalizer"},
            {"name": "JiebaTokenizer", "dictionary_path": "data/dictionary"},
            {"name": "bot.nlu.entities.SpacyRuleEntityExtractor"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "bot.nlu.intent_classifier.SparseLogisticRegressionClassifier"},
        ],
        "policies": [],
    }
    model_config = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.NLU)
    validate(model_config)  # type annotations, run functions and needs are consistent
    normalizer_node = "run_bot.nlu.normalizer.ChineseTextNormalizer0"
    train_jieba = model_config.train_schema.nodes["run_JiebaTokenizer1"]
    assert train_jieba.needs["training_data"] == normalizer_node
    assert model_config.train_schema.nodes[normalizer_node].fn == "process_training_data"
    predict_jieba = model_config.predict_schema.nodes["run_JiebaTokenizer1"]
    assert predict_jieba.needs["messages"] == normalizer_node
    predict = model_config.predict_schema.nodes
    assert predict[normalizer_node].fn == "process"
    assert predict["run_bot.nlu.entities.SpacyRuleEntityExtractor2"].fn == "process"
