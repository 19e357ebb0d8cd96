"""Syllable n-grams of the whole message read as pinyin, as sentence features.

Typed Chinese goes through a pinyin keyboard: a slip picks another character with the same
sound ("退宽" for "退款", "正据" for "证据"), and voice typing does the same. Their characters
differ; their syllables do not. This featurizer reads the normalized message as toneless
pinyin (``pypinyin``, whose dictionary ships in its wheel) and counts syllable 1-3-grams;
characters with no reading (Latin letters, digits) are left out, since the character
featurizers count them. The vocabulary is learnt from the training data and saved with
the model.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message
from sklearn.feature_extraction.text import CountVectorizer

from bot.nlu.message_chars import MessageCharFeaturizer, message_text


def pinyin_text(text: str) -> str:
    """The text's Chinese characters as toneless pinyin syllables, space-separated."""
    from pypinyin import lazy_pinyin

    return " ".join(syllable for syllable in lazy_pinyin(text, errors="ignore")
                    if syllable.strip())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class MessagePinyinFeaturizer(MessageCharFeaturizer):
    """Counts the pinyin syllable n-grams of the whole message (sentence features)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Syllable n-gram lengths."""
        return {**MessageCharFeaturizer.get_default_config(), "min_ngram": 1, "max_ngram": 3}

    def _make_vectorizer(self, vocabulary: dict[str, int] | None = None) -> CountVectorizer:
        return CountVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False,
                               vocabulary=vocabulary,
                               ngram_range=(int(self._config["min_ngram"]),
                                            int(self._config["max_ngram"])))

    def _text(self, message: Message) -> str:
        return pinyin_text(message_text(message))
