"""Character n-grams of the whole message, as typed (after normalization), as sentence features.

Rasa's ``CountVectorsFeaturizer`` counts n-grams of the tokens joined by spaces, so its
n-grams follow jieba's cut: a typo that changes the cut ("退宽" for "退款") changes them too.
This featurizer counts the n-grams of the normalized message itself (runs of spaces as
one), and the classifier reads both. Sentence features only; the vocabulary is learnt from
the training data and saved with the model.
"""

from __future__ import annotations

import json
import re
from typing import Any

import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

VOCABULARY_FILE = "vocabulary.json"
SPACES = re.compile(r"\s+")


def message_text(message: Message) -> str:
    """The text the n-grams are counted on: the normalized message, spaces collapsed."""
    text = message.get(TEXT)
    return SPACES.sub(" ", text).strip().lower() if isinstance(text, str) else ""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class MessageCharFeaturizer(SparseFeaturizer, GraphComponent):
    """Counts the character n-grams of the whole message (sentence features of TEXT)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Character n-gram lengths."""
        return {**SparseFeaturizer.get_default_config(), "min_ngram": 1, "max_ngram": 4}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 vocabulary: dict[str, int] | None = None) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizer = self._make_vectorizer(vocabulary) if vocabulary else None

    def _make_vectorizer(self, vocabulary: dict[str, int] | None = None) -> CountVectorizer:
        return CountVectorizer(analyzer="char", lowercase=False, vocabulary=vocabulary,
                               ngram_range=(int(self._config["min_ngram"]),
                                            int(self._config["max_ngram"])))

    def _text(self, message: Message) -> str:
        """What the n-grams are counted on."""
        return message_text(message)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MessageCharFeaturizer:
        """Creates an untrained featurizer."""
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the n-gram vocabulary of the training messages and saves it."""
        texts = [self._text(m) for m in training_data.training_examples]
        texts = [text for text in texts if text]
        if not texts:
            return self._resource
        self._vectorizer = self._make_vectorizer()
        self._vectorizer.fit(texts)
        vocabulary = {gram: int(index) for gram, index in self._vectorizer.vocabulary_.items()}
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / VOCABULARY_FILE).write_text(
                json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> MessageCharFeaturizer:
        """Loads the saved vocabulary (an untrained featurizer when there is none)."""
        try:
            with model_storage.read_from(resource) as model_dir:
                vocabulary = json.loads((model_dir / VOCABULARY_FILE).read_text(
                    encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            vocabulary = None
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the features to the training messages."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the sentence features to each message with a text (zeros when it is empty)."""
        if self._vectorizer is None:
            return messages
        for message in messages:
            if not isinstance(message.get(TEXT), str):
                continue  # e.g. story steps that carry only an intent
            # An empty message gets a row of zeros: the classifier needs every block.
            counts = scipy.sparse.coo_matrix(self._vectorizer.transform([self._text(message)]))
            self.add_features_to_message(sequence=None, sentence=counts, attribute=TEXT,
                                         message=message)
        return messages

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The n-gram lengths must make a range."""
        if not 1 <= int(config["min_ngram"]) <= int(config["max_ngram"]):
            raise ValueError("MessageCharFeaturizer: need 1 <= min_ngram <= max_ngram")
