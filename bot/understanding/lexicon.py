"""The vocabularies the case-state builder reads with (``data/understanding/lexicon.yml``).

Loaded once per path and validated: any problem raises :class:`LexiconError` naming the
file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.chinese_forms import normalize
from bot.datafiles import data_path
from bot.mixed_language import MixedLanguage
from bot.rulebook import ORDER_STATUSES, ROLES
from bot.vocabulary import LexiconError, read_vocabulary, word_list

DEFAULT_LEXICON = data_path("understanding", "lexicon.yml")
WORD_LISTS = ("corrections", "negations", "demand_cues", "amount_cues", "other_side", "problems",
              "item_measures", "item_stops", "switch_markers", "buy_verbs", "shop_cues",
              "shop_suffixes", "location_cues", "party_stops", "item_generic", "review_wants",
              "time_shifts", "item_heads", "item_left_stops", "chat_times", "chat_verbs",
              "held_negations", "suppositions", "service_numbers")
NUMBER_KINDS = ("product_id", "tracking_number", "order_number")
SYNONYM_LISTS = ("evidence", "wants")


@dataclass(frozen=True)
class EventVocabulary:
    """One kind of dated event: its label, the rule-book events it dates, its cue words."""

    id: str
    label: str
    rulebook: tuple[str, ...]
    cues: tuple[str, ...]
    # Told with one of these as its subject, it is another event ("卖家上周五就签收了": the
    # return was signed for), unless a word of ``unless_between`` stands between ("卖家说").
    subjects: tuple[str, ...] = ()
    subject_event: str | None = None
    unless_between: tuple[str, ...] = ()
    # Cues that name the event only when nothing more specific stands near the date
    # ("收到的" is 签收, unless the clause says what was received: "收到的处罚通知").
    weak_cues: tuple[str, ...] = ()
    # A cue of this event told of one of these objects dates another event ("退货11月17号
    # 签收的": the return was signed for): object word -> event id.
    objects: dict[str, str] = field(default_factory=dict)
    # Told in the clause after an undated one, it still takes that date ("昨天他在旺旺上说，
    # 给300就删差评": the demand was made 昨天), even over a weak cue.
    reaches_back: bool = False
    # Words that, right after a cue, make it another thing ("三天前发的消息" is no shipping).
    not_of: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Every vocabulary of ``lexicon.yml``, normalized and longest cue first."""

    roles: dict[str, tuple[str, ...]]
    events: dict[str, EventVocabulary]
    order_statuses: dict[str, tuple[str, ...]]
    evidence: tuple[tuple[str, ...], ...]
    wants: tuple[tuple[str, ...], ...]
    corrections: tuple[str, ...]
    negations: tuple[str, ...]
    demand_cues: tuple[str, ...]
    amount_cues: tuple[str, ...]
    other_side: tuple[str, ...]
    chat_times: tuple[str, ...]
    chat_verbs: tuple[str, ...]
    held_negations: tuple[str, ...]
    problems: tuple[str, ...]
    item_measures: tuple[str, ...]
    item_stops: tuple[str, ...]
    switch_markers: tuple[str, ...]
    buy_verbs: tuple[str, ...]
    shop_cues: tuple[str, ...]
    shop_suffixes: tuple[str, ...]
    location_cues: tuple[str, ...]
    party_stops: tuple[str, ...]
    item_generic: tuple[str, ...]
    review_wants: tuple[str, ...]
    time_shifts: tuple[str, ...]
    suppositions: tuple[str, ...]
    service_numbers: tuple[str, ...]  # hotlines dialled, never a sum ("我要打12315")
    item_heads: tuple[str, ...]
    item_left_stops: tuple[str, ...]
    number_cues: dict[str, tuple[str, ...]]
    implied_statuses: dict[str, str]
    event_cues: tuple[tuple[str, str], ...] = ()  # (cue, event id) of every event, longest first
    weak: frozenset[tuple[str, str]] = frozenset()  # the (cue, event id) pairs that are weak
    english: MixedLanguage | None = None  # English words read as Chinese (the catalog's table)
    object_words: tuple[str, ...] = ()  # every event's object words, longest first

    def event_label(self, event_id: str) -> str:
        """The Chinese label of one of the lexicon's events."""
        return self.events[event_id].label


def _word_lists(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The plain word lists (``WORD_LISTS``): :class:`Lexicon` keyword arguments, each a
    tuple of words (``Any``: the field names are only known at run time)."""
    return {name: word_list(path, name, data[name]) for name in WORD_LISTS}


def _synonyms(path: Path, entry: str, value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        raise LexiconError(path, entry, "must be a non-empty list of word lists")
    groups = []
    for index, group in enumerate(value):
        words = word_list(path, f"{entry}[{index}]", group)
        first = normalize(str(group[0]).strip())
        groups.append((first, *[word for word in words if word != first]))
    return tuple(groups)


def _events(path: Path, value: Any) -> dict[str, EventVocabulary]:
    if not isinstance(value, dict) or not value:
        raise LexiconError(path, "events", "must be a mapping of event id to its vocabulary")
    events: dict[str, EventVocabulary] = {}
    for event_id, spec in value.items():
        where = f"events.{event_id}"
        if not isinstance(spec, dict):
            raise LexiconError(path, where, "must be a mapping with label, rulebook and cues")
        extra = set(spec) - {"label", "rulebook", "cues", "by_subject", "weak_cues", "objects",
                             "reaches_back", "not_of"}
        if extra:
            raise LexiconError(path, where, f"unexpected key(s): {', '.join(sorted(extra))}")
        label = spec.get("label")
        if not isinstance(label, str) or not label.strip():
            raise LexiconError(path, f"{where}.label", "must be a non-empty string")
        linked = spec.get("rulebook", [])
        if not isinstance(linked, list) or not all(isinstance(e, str) for e in linked):
            raise LexiconError(path, f"{where}.rulebook", "must be a list of rule-book event ids")
        by_subject = spec.get("by_subject") or {}
        if not isinstance(by_subject, dict) or set(by_subject) - {"subjects", "event",
                                                                   "unless_between"}:
            raise LexiconError(path, f"{where}.by_subject",
                               "must map subjects, event and unless_between")
        objects = spec.get("objects") or {}
        if not isinstance(objects, dict) or not all(isinstance(v, str) for v in objects.values()):
            raise LexiconError(path, f"{where}.objects", "must map object words to event ids")
        if not isinstance(spec.get("reaches_back", False), bool):
            raise LexiconError(path, f"{where}.reaches_back", "must be true or false")
        weak = word_list(path, f"{where}.weak_cues", spec["weak_cues"]) if spec.get(
            "weak_cues") is not None else ()
        events[str(event_id)] = EventVocabulary(
            id=str(event_id), label=label.strip(), rulebook=tuple(linked),
            cues=word_list(path, f"{where}.cues", spec.get("cues")),
            weak_cues=weak, reaches_back=bool(spec.get("reaches_back", False)),
            not_of=word_list(path, f"{where}.not_of", spec["not_of"]) if spec.get(
                "not_of") is not None else (),
            objects={normalize(str(word)): str(target) for word, target in objects.items()},
            subjects=word_list(path, f"{where}.by_subject.subjects", by_subject["subjects"])
            if by_subject else (),
            subject_event=str(by_subject["event"]) if by_subject else None,
            unless_between=word_list(path, f"{where}.by_subject.unless_between",
                                     by_subject.get("unless_between") or ["说"])
            if by_subject else ())
    for event in events.values():
        if event.subject_event is not None and event.subject_event not in events:
            raise LexiconError(path, f"events.{event.id}.by_subject.event",
                               f"unknown event '{event.subject_event}'")
        for word, target in event.objects.items():
            if target not in events or target == event.id:
                raise LexiconError(path, f"events.{event.id}.objects.{word}",
                                   f"unknown or same event '{target}'")
        both = set(event.weak_cues) & set(event.cues)
        if both:
            raise LexiconError(path, f"events.{event.id}.weak_cues",
                               f"'{sorted(both)[0]}' is in cues too (list it once)")
    return events


def parse_lexicon(data: Any, path: Path) -> Lexicon:
    """Validate the parsed YAML of a lexicon file."""
    if not isinstance(data, dict):
        raise LexiconError(path, "(top level)", "must be a mapping")
    expected = {"roles", "events", "order_statuses", "number_cues", "implied_statuses",
                *WORD_LISTS, *SYNONYM_LISTS}
    missing, extra = expected - set(data), set(data) - expected
    if missing:
        raise LexiconError(path, "(top level)", f"missing key(s): {', '.join(sorted(missing))}")
    if extra:
        raise LexiconError(path, "(top level)", f"unexpected key(s): {', '.join(sorted(extra))}")
    roles = data["roles"]
    if not isinstance(roles, dict) or set(roles) != set(ROLES):
        raise LexiconError(path, "roles", "must map exactly buyer and seller to words")
    statuses = data["order_statuses"]
    if not isinstance(statuses, dict) or not statuses:
        raise LexiconError(path, "order_statuses", "must map order statuses to words")
    for status in statuses:
        if status not in ORDER_STATUSES:
            raise LexiconError(path, f"order_statuses.{status}",
                               f"unknown order status (expected one of {', '.join(ORDER_STATUSES)})")  # noqa: E501
    events = _events(path, data["events"])
    cues_by_kind = data["number_cues"]
    if not isinstance(cues_by_kind, dict) or list(cues_by_kind) != list(NUMBER_KINDS):
        raise LexiconError(path, "number_cues",
                           f"must map, in this order, {', '.join(NUMBER_KINDS)} to words")
    implied = data["implied_statuses"]
    if not isinstance(implied, dict):
        raise LexiconError(path, "implied_statuses", "must map events to order statuses")
    for event_id, status in implied.items():
        if event_id not in events:
            raise LexiconError(path, f"implied_statuses.{event_id}", "unknown event")
        if status not in ORDER_STATUSES:
            raise LexiconError(path, f"implied_statuses.{event_id}",
                               f"unknown order status '{status}'")
    cues = tuple(sorted(((cue, event.id) for event in events.values()
                         for cue in (*event.cues, *event.weak_cues)),
                        key=lambda pair: len(pair[0]), reverse=True))
    return Lexicon(
        event_cues=cues,
        weak=frozenset((cue, event.id) for event in events.values() for cue in event.weak_cues),
        object_words=tuple(sorted({w for event in events.values() for w in event.objects},
                                  key=len, reverse=True)),
        number_cues={kind: tuple(w.lower() for w in word_list(path, f"number_cues.{kind}", words))
                     for kind, words in cues_by_kind.items()},
        implied_statuses={str(k): str(v) for k, v in implied.items()},
        roles={role: word_list(path, f"roles.{role}", roles[role]) for role in ROLES},
        events=events,
        order_statuses={str(status): word_list(path, f"order_statuses.{status}", words)
                        for status, words in statuses.items()},
        evidence=_synonyms(path, "evidence", data["evidence"]),
        wants=_synonyms(path, "wants", data["wants"]),
        **_word_lists(path, data),
    )


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Lexicon:
    """Read and validate a lexicon file."""
    path = Path(path)
    return parse_lexicon(read_vocabulary(path), path)
