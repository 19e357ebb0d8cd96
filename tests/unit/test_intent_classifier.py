"""SparseLogisticRegressionClassifier: Rasa's logistic regression, the same probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix, csr_matrix

from bot.nlu.intent_classifier import SparseLogisticRegressionClassifier

VOCABULARY = 400
INTENTS = ["greet", "refund_refused", "ask_deadline", "counterfeit", "thank"]


def _message(rng: np.random.Generator, intent: str | None = None,
             dense: bool = False) -> Message:
    counts = np.zeros((1, VOCABULARY))
    topic = INTENTS.index(intent) if intent else int(rng.integers(len(INTENTS)))
    words = rng.choice(VOCABULARY // len(INTENTS), size=6) + topic * (VOCABULARY // 5)
    noise = rng.choice(VOCABULARY, size=3)
    np.add.at(counts[0], np.concatenate([words, noise]), 1)
    data = {TEXT: "x"} | ({INTENT: intent} if intent else {})
    message = Message(data=data)
    for origin in ("words", "chars"):  # two featurizers, each with per-token rows too
        message.add_features(Features(coo_matrix(counts), FEATURE_TYPE_SEQUENCE, TEXT, origin))
        message.add_features(Features(coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, origin))
        counts = np.roll(counts, 7, axis=1)
    if dense:
        message.add_features(Features(rng.random((1, 4)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return message


def _component(cls, tmp_path, name: str):
    (tmp_path / name).mkdir()
    storage = LocalModelStorage(tmp_path / name)
    context = ExecutionContext(GraphSchema({}), node_name=name)
    config = {**cls.get_default_config(), "random_state": 7}
    return cls.create(config, storage, Resource(name), context), storage, context, config


@pytest.mark.parametrize("dense", [False, True])
def test_same_ranking_and_probabilities_as_rasas_classifier(tmp_path, dense):
    rng = np.random.default_rng(2026)
    training = TrainingData([_message(rng, INTENTS[i % 5], dense) for i in range(200)])
    rasas, *_ = _component(LogisticRegressionClassifier, tmp_path, "rasa")
    ours, storage, context, config = _component(SparseLogisticRegressionClassifier,
                                                tmp_path, "ours")
    rasas.train(training)
    resource = ours.train(training)
    loaded = SparseLogisticRegressionClassifier.load(config, storage, resource, context)
    assert loaded.clf.coef_.flags.f_contiguous

    for component in (ours, loaded):
        probes = [_message(np.random.default_rng(n), dense=dense) for n in range(60)]
        twins = [_message(np.random.default_rng(n), dense=dense) for n in range(60)]
        component.process(probes)
        rasas.process(twins)
        for got, want in zip(probes, twins, strict=True):
            assert got.get(INTENT)["name"] == want.get(INTENT)["name"]
            assert [r["name"] for r in got.get("intent_ranking")] == [
                r["name"] for r in want.get("intent_ranking")]
            np.testing.assert_allclose(
                [r["confidence"] for r in got.get("intent_ranking")],
                [r["confidence"] for r in want.get("intent_ranking")], rtol=1e-12)


def test_the_fitted_model_is_learned_not_constant(tmp_path):
    rng = np.random.default_rng(1)
    training = TrainingData([_message(rng, INTENTS[i % 5]) for i in range(200)])
    ours, *_ = _component(SparseLogisticRegressionClassifier, tmp_path, "ours")
    ours.train(training)
    probes = [_message(np.random.default_rng(100 + n), INTENTS[n % 5]) for n in range(50)]
    expected = [m.get(INTENT) for m in probes]
    ours.process(probes)
    right = sum(m.get(INTENT)["name"] == e for m, e in zip(probes, expected, strict=True))
    assert right >= 45


def test_tf_idf_per_featurizer_scales_each_block_to_unit_length():
    from bot.nlu.intent_classifier import tf_idf

    counts = csr_matrix(np.array([[1, 3, 0, 2, 0], [0, 0, 0, 0, 4], [2, 0, 0, 0, 0]]))
    idf = np.array([1.0, 2.0, 1.5, 1.0, 3.0])
    whole = tf_idf(counts, idf)
    blocks = tf_idf(counts, idf, [3, 2])
    np.testing.assert_allclose(np.linalg.norm(whole.toarray(), axis=1), 1.0)
    dense = blocks.toarray()
    np.testing.assert_allclose(np.linalg.norm(dense[:, :3], axis=1), [1.0, 0.0, 1.0])
    np.testing.assert_allclose(np.linalg.norm(dense[:, 3:], axis=1), [1.0, 1.0, 0.0])
    np.testing.assert_allclose(dense[1], whole.toarray()[1])  # one block only: the same
    np.testing.assert_allclose(tf_idf(counts, idf, [5]).toarray(), whole.toarray())
