"""Text normalization as a Rasa graph component.

``ChineseTextNormalizer`` replaces the message text with :func:`bot.chinese_forms.normalize`
(Traditional → Simplified, full-width → half-width), then reads English shopping words and
emoji (:mod:`bot.mixed_language`). The normalization is
length-preserving, so character offsets computed on the normalized text (entities, date
spans, tokens) index the text the user typed. The original text is kept on the message
under ``original_text_key`` (default ``text_original``).

A message starting with ``/`` is read by Rasa as an intent with entities, which would let a
user set any slot: only the payloads of the domain's buttons (:mod:`bot.slot_values`) keep
their ``/``; in any other message it becomes a full-width ``／`` and the message is text.

It is registered as a ``MESSAGE_TOKENIZER``-stage component so that the default recipe
runs it in pipeline order both in training (``process_training_data``) and at inference
(``process``). It does not subclass Rasa's ``Tokenizer`` (Rasa allows only one tokenizer),
produces no tokens and has nothing to train; place it before ``JiebaTokenizer``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.chinese_forms import normalize
from bot.mixed_language import load_mixed_language
from bot.slot_values import domain_rules
from bot.understanding.uploads import UPLOAD_INTENT
from bot.uploads.signing import signed_payload

ORIGINAL_TEXT_KEY = "text_original"
# Rasa reads a text starting with "/" as an intent with entities; the full-width solidus
# keeps any other text text (the NLU only; the conversation keeps what the user typed).
SLASH, TEXT_SLASH = "/", "\uff0f"


def as_text(text: str) -> str:
    """``text`` with its leading ``/`` (after spaces) made full-width: Rasa reads it as text."""
    stripped = text.lstrip()
    if not stripped.startswith(SLASH):
        return text
    start = len(text) - len(stripped)
    return text[:start] + TEXT_SLASH + text[start + 1:]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ChineseTextNormalizer(GraphComponent):
    """Normalizes the user text in place; keeps the original under a custom key."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # message key that receives the text as the user typed it
            "original_text_key": ORIGINAL_TEXT_KEY,
            # also put that key into the parse result (``parse_data``) at inference
            "add_original_to_output": True,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Only Chinese text is normalized (OpenCC t2s)."""
        return ["zh"]

    @staticmethod
    def required_packages() -> list[str]:
        """OpenCC does the Traditional → Simplified conversion."""
        return ["opencc"]

    def __init__(self, config: dict[str, Any]) -> None:
        """Creates the component from its (already merged) config."""
        merged = {**self.get_default_config(), **(config or {})}
        self._original_key: str = merged["original_text_key"]
        self._add_to_output: bool = bool(merged["add_original_to_output"])
        self._mixed = load_mixed_language()
        self._rules = domain_rules()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChineseTextNormalizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def _normalize_message(self, message: Message, add_to_output: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            # e.g. end-to-end story messages that only carry an intent or action
            return
        if message.get(self._original_key) is None:
            message.set(self._original_key, text, add_to_output=add_to_output)
        if self._rules.payload_shown(text) or signed_payload(text, UPLOAD_INTENT):
            normalized = text.strip().rjust(len(text))  # read as intent by Rasa, untouched
        else:
            normalized = self._mixed.read(as_text(normalize(text)))
        if normalized != text:
            message.set(TEXT, normalized)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalizes the text of every training example (in place)."""
        for example in training_data.training_examples:
            self._normalize_message(example, add_to_output=False)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalizes the text of incoming messages (in place)."""
        for message in messages:
            self._normalize_message(message, add_to_output=self._add_to_output)
        return messages
