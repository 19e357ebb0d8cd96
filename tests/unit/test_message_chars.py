"""MessageCharFeaturizer: n-grams of the whole message, learnt in training, saved, reloaded."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.case_beside_request import CaseBesideRequest
from bot.nlu.message_chars import MessageCharFeaturizer, message_text


def _featurizer(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="chars")
    config = {**MessageCharFeaturizer.get_default_config(), "max_ngram": 2}
    return (MessageCharFeaturizer.create(config, storage, Resource("chars"), context),
            storage, context, config)


def _sentence_counts(message: Message) -> dict[int, int]:
    _sequence, sentence = message.get_sparse_features(TEXT)
    matrix = sentence.features.tocsr()
    return {int(col): int(value) for col, value in zip(matrix.indices, matrix.data, strict=True)}


def test_counts_the_ngrams_of_the_message_across_token_boundaries(tmp_path):
    featurizer, storage, context, config = _featurizer(tmp_path)
    training = TrainingData([Message(data={TEXT: "卖家不退款", INTENT: "refund_refused"}),
                             Message(data={TEXT: "你好", INTENT: "greet"})])
    resource = featurizer.train(training)
    loaded = MessageCharFeaturizer.load(config, storage, resource, context)
    for component in (featurizer, loaded):
        probe = Message(data={TEXT: "不退款  不退款"})
        component.process([probe])
        vocabulary = component._vectorizer.vocabulary_
        counts = _sentence_counts(probe)
        assert counts[vocabulary["退款"]] == 2 and counts[vocabulary["不退"]] == 2
        assert "家不" in vocabulary  # a bigram across jieba's cut 卖家|不
        # known n-grams only: 不 退 款 不退 退款, twice each (the space is no n-gram here)
        assert sum(counts.values()) == 10
        assert probe.get_sparse_features(TEXT)[0] is None  # sentence features only


def test_messages_without_text_and_untrained_featurizers_are_left_alone(tmp_path):
    featurizer, *_ = _featurizer(tmp_path)
    message = Message(data={INTENT: "greet"})
    featurizer.process([message])
    assert message.features == []
    featurizer.train(TrainingData([Message(data={TEXT: "你好", INTENT: "greet"})]))
    empty = Message(data={TEXT: ""})
    featurizer.process([message, empty])
    assert message.features == []
    assert _sentence_counts(empty) == {}  # a row of zeros, as wide as the vocabulary
    assert empty.get_sparse_features(TEXT)[1].features.shape == (1, 3)
    assert message_text(Message(data={TEXT: " A  b\n"})) == "a b"


def test_the_component_puts_a_case_beside_a_request_first():
    component = CaseBesideRequest({})
    message = Message(data={TEXT: "x", INTENT: {"name": "request_draft", "confidence": 0.6},
                            "intent_ranking": [
                                {"name": "request_draft", "confidence": 0.6},
                                {"name": "greet", "confidence": 0.2},
                                {"name": "refund_refused", "confidence": 0.17}]})
    plain = Message(data={TEXT: "y", INTENT: {"name": "greet", "confidence": 0.9},
                          "intent_ranking": [{"name": "greet", "confidence": 0.9},
                                             {"name": "refund_refused", "confidence": 0.1}]})
    component.process([message, plain])
    assert message.get(INTENT) == {"name": "refund_refused", "confidence": 0.17}
    assert [r["name"] for r in message.get("intent_ranking")] == [
        "refund_refused", "request_draft", "greet"]
    assert plain.get(INTENT)["name"] == "greet"
