"""A case told beside a request, named first: the Rasa side of ``bot.understanding.two_in_one``.

Place it after ``FallbackClassifier``. When the classifier's best intent is a request
(request_draft, ask_deadline, ...) and a case type is ranked beside it with at least
``beside_confidence``, the case becomes the message's intent and leads the ranking; the
request stays right behind it with its own, higher confidence, which is how the dialogue
knows to do both. A fallback is left as it is. Nothing to train.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.rulebook.names import CASES_DIR, load_case_folders
from bot.understanding.two_in_one import BESIDE_CONFIDENCE, case_first


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CaseBesideRequest(GraphComponent):
    """Reorders the intent ranking of a message that tells a case and asks something."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """How sure of the case beside the request the classifier must be."""
        return {"beside_confidence": BESIDE_CONFIDENCE}

    def __init__(self, config: dict[str, Any]) -> None:
        merged = {**self.get_default_config(), **(config or {})}
        self._beside = float(merged["beside_confidence"])
        self._case_types = frozenset(load_case_folders(CASES_DIR))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CaseBesideRequest:
        """Creates the component (see parent class for full docstring)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Puts the case first where a request carries one."""
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            pairs = [(str(item.get("name")), float(item.get("confidence") or 0.0))
                     for item in ranking if item.get("name")]
            reordered = case_first(pairs, self._case_types, self._beside)
            if reordered == pairs:
                continue
            by_name = {str(item.get("name")): item for item in ranking}
            message.set(INTENT_RANKING_KEY, [by_name[name] for name, _ in reordered],
                        add_to_output=True)
            message.set(INTENT, dict(by_name[reordered[0][0]]), add_to_output=True)
        return messages
