"""A message that tells a case and asks for something at once ("卖家死活不给退，帮我拟个投诉").

The classifier ranks the request first ("帮我拟个投诉" is request_draft) and the case right
beside it. The public contract names the case of such a message (the intent catalog and the
blind test set label it with its case type), so :func:`case_first` moves the case to the top
of the ranking while the request keeps its higher confidence beside it. The dialogue reads
that signature back with :func:`request_beside` and does both in the same turn: the case
opens, and the request is answered.

Plain functions on (intent, confidence) pairs; the Rasa component is
``bot.nlu.case_beside_request.CaseBesideRequest``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.understanding.intents import intent_registry

Ranking = Sequence[tuple[str, float]]

# How sure of a case the NLU must be to carry it beside a request (the ``request`` group of
# data/understanding/intents.yml: the requests that can carry one).
BESIDE_CONFIDENCE = 0.15


def request_intents() -> frozenset[str]:
    """The requests that can carry a case beside them."""
    return intent_registry().members("request")


def case_first(ranking: Ranking, case_types: Collection[str],
               beside_confidence: float = BESIDE_CONFIDENCE) -> list[tuple[str, float]]:
    """``ranking`` with its best case type first when a request leads and that case is at
    least ``beside_confidence`` sure; otherwise unchanged. Confidences are kept."""
    pairs = list(ranking)
    if not pairs or pairs[0][0] not in request_intents():
        return pairs
    for index, (name, confidence) in enumerate(pairs[1:], start=1):
        if name in case_types:
            if confidence < beside_confidence:
                return pairs
            return [pairs[index], *pairs[:index], *pairs[index + 1:]]
    return pairs


def request_beside(ranking: Ranking, case_types: Collection[str]) -> str | None:
    """The request carried beside a case by :func:`case_first`: a case type on top and a
    request right after it with a higher confidence; else None."""
    if len(ranking) < 2:
        return None
    (top, top_confidence), (second, second_confidence) = ranking[0], ranking[1]
    if (top in case_types and second in request_intents()
            and second_confidence > top_confidence):
        return second
    return None


def request_first(ranking: Ranking, case_types: Collection[str]) -> list[tuple[str, float]]:
    """Undo :func:`case_first`: the request back on top, as the classifier ranked it."""
    pairs = list(ranking)
    if request_beside(pairs, case_types) is None:
        return pairs
    return [pairs[1], pairs[0], *pairs[2:]]
