"""Rasa's logistic-regression intent classifier, with a faster inference path.

:class:`SparseLogisticRegressionClassifier` is Rasa's ``LogisticRegressionClassifier``
(scikit-learn ``LogisticRegression`` on the pipeline's sparse sentence features), trained
and saved like it. Two changes leave every probability the same:

- the feature row is built from the sparse sentence features alone when the pipeline has
  no dense features (Rasa also combines the per-token sequence features, which it does
  not use, and stacks an empty dense matrix on every message);
- the weight matrix is kept in column-major order, so the sparse × dense product at
  inference does not copy the whole (features × intents) matrix on every message.

Three options change the model (all off by default): ``tfidf`` weighs the counts as
scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` does (the idf is saved beside the
classifier); ``tfidf_per_featurizer`` scales each featurizer's block of the row to unit
length on its own, so that every featurizer weighs alike whatever its number of n-grams (as
separate ``TfidfVectorizer`` blocks side by side would); and ``C`` sets the regularization
(chosen by cross-validation on the training data, ``scripts/choose_c.py``).

Measured on the held-out split (``docs/performance.md``): the classifier step went from
about 4.7 ms to well under 1 ms per message; the probabilities agree to the last digit
with Rasa's class (``tests/unit/test_intent_classifier.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize


def column_major_weights(classifier: Any) -> None:
    """Store a fitted LogisticRegression's ``coef_`` column-major (same values)."""
    coef = getattr(classifier, "coef_", None)
    if isinstance(coef, np.ndarray):
        classifier.coef_ = np.asfortranarray(coef)


IDF_FILE = "idf.npy"


def inverse_document_frequency(counts: csr_matrix) -> np.ndarray:
    """Smoothed idf of each column, as scikit-learn's TfidfTransformer computes it."""
    documents = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + documents) / (1 + frequency)) + 1.0


def tf_idf(counts: csr_matrix, idf: np.ndarray,
           block_widths: list[int] | None = None) -> csr_matrix:
    """Sublinear term frequency (1 + log count) times idf, each row scaled to unit length;
    with ``block_widths``, each block of columns (one featurizer's) scaled on its own."""
    weighted = counts.astype(np.float64, copy=True).tocsr()
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf).tocsr()
    if not block_widths or len(block_widths) < 2:
        return normalize(weighted, norm="l2", copy=False)
    block_of_column = np.repeat(np.arange(len(block_widths)), block_widths)
    squares = weighted.multiply(weighted).tocsr()
    indicator = csr_matrix((np.ones(len(block_of_column)),
                            (np.arange(len(block_of_column)), block_of_column)),
                           shape=(len(block_of_column), len(block_widths)))
    norms = np.sqrt(np.asarray((squares @ indicator).todense()))
    norms[norms == 0] = 1.0
    rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
    weighted.data /= norms[rows, block_of_column[weighted.indices]]
    return weighted


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SparseLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` with a cheaper ``process`` and, with ``tfidf``,
    TF-IDF weighting of the count features (sublinear, smoothed idf, unit rows) and the
    regularization ``C`` from the config."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults plus ``tfidf`` (off) and ``C`` (scikit-learn's 1.0)."""
        return {**LogisticRegressionClassifier.get_default_config(), "tfidf": False,
                "tfidf_per_featurizer": False, "C": 1.0}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.C = float(self.config["C"])
        self.idf: np.ndarray | None = None

    def _create_X(self, messages: list[Message]) -> csr_matrix:  # noqa: N802 (Rasa's name)
        rows = []
        widths: list[int] = []
        for message in messages:
            sentence = [f for f in message.features
                        if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
            if not sentence or not all(f.is_sparse() for f in sentence):
                return super()._create_X(messages)  # Rasa's general path (dense features)
            # Rasa's Message.get_sparse_features(TEXT)[1], without also combining the
            # per-token sequence features it then throws away: same columns, same order.
            rows.append(hstack([f.features for f in sentence]))
            widths = [f.features.shape[1] for f in sentence]
        counts = vstack(rows, format="csr")
        return counts if self.idf is None else tf_idf(counts, self.idf, self._blocks(widths))

    def _blocks(self, widths: list[int]) -> list[int] | None:
        return widths if self.config.get("tfidf_per_featurizer") else None

    def train(self, training_data: TrainingData) -> Resource:
        """Trains like Rasa's classifier (idf first, with ``tfidf``), weights column-major."""
        if not self.config["tfidf"]:
            resource = super().train(training_data)
            column_major_weights(self.clf)
            return resource
        self.idf = None
        counts, labels = self._create_training_matrix(training_data)
        if counts.shape[0] == 0:
            return super().train(training_data)
        self.idf = inverse_document_frequency(counts)
        widths = [f.features.shape[1] for f in training_data.intent_examples[0].features
                  if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
        self.clf.fit(tf_idf(counts, self.idf, self._blocks(widths)), labels)
        column_major_weights(self.clf)
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Rasa's file, plus the idf when TF-IDF weighting is on."""
        super().persist()
        if self.idf is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                np.save(model_dir / IDF_FILE, self.idf)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SparseLogisticRegressionClassifier:
        """Loads like Rasa's classifier, then keeps the weights column-major."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        column_major_weights(component.clf)
        component.clf.C = float(component.config["C"])
        if component.config["tfidf"]:
            try:
                with model_storage.read_from(resource) as model_dir:
                    if (model_dir / IDF_FILE).is_file():
                        component.idf = np.load(model_dir / IDF_FILE)
            except ValueError:  # no stored resource: an untrained component
                component.idf = None
        return component
