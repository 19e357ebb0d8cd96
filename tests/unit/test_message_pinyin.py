"""MessagePinyinFeaturizer: a homophone slip reads as the word it stands for."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.message_pinyin import MessagePinyinFeaturizer, pinyin_text


def test_pinyin_text_reads_chinese_and_leaves_the_rest_out():
    assert pinyin_text("卖家不退款") == "mai jia bu tui kuan"
    assert pinyin_text("退宽") == pinyin_text("退款")  # the keyboard slip sounds the same
    assert pinyin_text("tk 123 退款") == "tui kuan"


def test_a_homophone_slip_gets_the_syllable_ngrams_of_the_word(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="pinyin")
    config = MessagePinyinFeaturizer.get_default_config()
    featurizer = MessagePinyinFeaturizer.create(config, storage, Resource("pinyin"), context)
    resource = featurizer.train(TrainingData([
        Message(data={TEXT: "卖家不退款", INTENT: "refund_refused"}),
        Message(data={TEXT: "你好", INTENT: "greet"})]))
    loaded = MessagePinyinFeaturizer.load(config, storage, resource, context)
    for component in (featurizer, loaded):
        probe = Message(data={TEXT: "商家不退宽"})
        component.process([probe])
        vocabulary = component._vectorizer.vocabulary_
        matrix = probe.get_sparse_features(TEXT)[1].features.tocsr()
        counts = {int(c): int(v) for c, v in zip(matrix.indices, matrix.data, strict=True)}
        assert counts[vocabulary["tui kuan"]] == 1 and counts[vocabulary["bu tui kuan"]] == 1
        assert vocabulary["jia bu"] in counts  # 商家 and 卖家 share their last syllable
