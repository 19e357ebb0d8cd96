"""The knowledge base's data: question families, the non-questions, the tuned settings.

``data/knowledge/families/*.yml`` hold the question families (one topic per file): an
``id``, the canonical ``question``, the ``roles`` and ``cases`` it applies to, the users'
``paraphrases`` the retrieval model trains on, the ``answer`` (answer first, from the
brief and the law only), its ``sources`` (references as in ``data/law/sources.yml``) and
``follow_ups`` (other family ids) and, optionally, ``limits``: the rule book's time limits
the question is about, shown as calendar dates when the case gives their start.
``none.yml`` lists messages that are no knowledge question (facts, short replies,
requests, feelings); ``model.yml`` holds the settings chosen by cross-validation on this
data (``make tune``). Everything is validated on load with an error naming the file and
the entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles import DataFileError, read_yaml
from bot.sources import Citation, Sources

ROLES = frozenset({"buyer", "seller"})
ANY_CASE = "any"
MIN_PARAPHRASES = 10


class KnowledgeError(DataFileError):
    """A knowledge file or entry cannot be used."""


@dataclass(frozen=True)
class Family:
    """One question and its answer, with the words users ask it in."""

    id: str
    question: str
    roles: frozenset[str]
    cases: frozenset[str]  # empty: any case (or none)
    paraphrases: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]
    follow_ups: tuple[str, ...]
    file: str
    limits: tuple[str, ...] = ()  # rule-book time limits the answer dates from the case

    def applies_to(self, role: str | None, case_type: str | None) -> bool:
        """Whether the family fits a case's role and type (unknown ones fit)."""
        role_ok = role is None or role in self.roles
        case_ok = not self.cases or case_type is None or case_type in self.cases
        return role_ok and case_ok


@dataclass(frozen=True)
class ModelSettings:
    """The retrieval model's regularization and acceptance margin (chosen by CV)."""

    c: float
    threshold: float
    folds: int
    cv_accuracy: float
    balanced: bool = False


@dataclass(frozen=True)
class Knowledge:
    """Every family, the non-questions and the model settings."""

    families: tuple[Family, ...]
    none_texts: tuple[str, ...]
    settings: ModelSettings

    def family(self, family_id: str) -> Family:
        return self._by_id()[family_id]

    def _by_id(self) -> dict[str, Family]:
        return {family.id: family for family in self.families}


def _strings(value: object, path: Path, entry: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(path, entry, f"{name} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _family(raw: object, path: Path, sources: Sources, case_types: frozenset[str]) -> Family:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise KnowledgeError(path, repr(raw)[:40], "each family is a mapping with an id")
    entry = raw["id"]
    for key in ("question", "answer"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise KnowledgeError(path, entry, f"{key} must be a non-empty string")
    roles = frozenset(_strings(raw.get("roles"), path, entry, "roles"))
    if not roles or roles - ROLES:
        raise KnowledgeError(path, entry, f"roles must be from {sorted(ROLES)}")
    cases = frozenset(_strings(raw.get("cases"), path, entry, "cases")) - {ANY_CASE}
    unknown = sorted(cases - case_types)
    if unknown:
        raise KnowledgeError(path, entry, f"unknown case types {unknown}")
    paraphrases = _strings(raw.get("paraphrases"), path, entry, "paraphrases")
    if len(paraphrases) < MIN_PARAPHRASES:
        raise KnowledgeError(path, entry, f"at least {MIN_PARAPHRASES} paraphrases")
    citations = sources.resolve_all(raw.get("sources"), f"{path.name}: {entry}: sources")
    if not citations:
        raise KnowledgeError(path, entry, "an answer needs at least one source")
    follow_ups = _strings(raw.get("follow_ups") or [], path, entry, "follow_ups")
    limits = _strings(raw.get("limits") or [], path, entry, "limits")
    return Family(id=entry, question=raw["question"].strip(), roles=roles, cases=cases,
                  paraphrases=paraphrases, answer=raw["answer"].strip(),
                  citations=citations, follow_ups=follow_ups, file=path.name, limits=limits)


def _settings(path: Path) -> ModelSettings:
    raw = read_yaml(path, KnowledgeError)
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "(file)", "a mapping of settings")
    try:
        settings = ModelSettings(c=float(raw["c"]), threshold=float(raw["threshold"]),
                                 folds=int(raw["folds"]), cv_accuracy=float(raw["cv_accuracy"]),
                                 balanced=bool(raw.get("balanced", False)))
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(path, "(file)", f"c, threshold, folds, cv_accuracy: {exc}") from None
    if not -5.0 < settings.threshold < 5.0 or settings.c <= 0:
        raise KnowledgeError(path, "threshold", "a margin between -5 and 5, and c > 0")
    return settings


def load_knowledge(folder: Path, sources: Sources, case_types: Iterable[str],
                   limit_ids: Iterable[str] = ()) -> Knowledge:
    """Read and validate ``folder`` (``data/knowledge``); ``limit_ids``: the rule book's
    time limits a family may name."""
    folder, case_types, limit_ids = Path(folder), frozenset(case_types), frozenset(limit_ids)
    families: list[Family] = []
    seen: dict[str, str] = {}
    for path in sorted((folder / "families").glob("*.yml")):
        raw = read_yaml(path, KnowledgeError)
        if not isinstance(raw, list):
            raise KnowledgeError(path, "(file)", "a list of families")
        for item in raw:
            family = _family(item, path, sources, case_types)
            if family.id in seen:
                raise KnowledgeError(path, family.id, f"id also used in {seen[family.id]}")
            seen[family.id] = path.name
            families.append(family)
    if not families:
        raise KnowledgeError(folder / "families", "(folder)", "no families")
    for family in families:
        missing = [f for f in family.follow_ups if f not in seen]
        if missing:
            raise KnowledgeError(folder / "families" / family.file, family.id,
                                 f"unknown follow_ups {missing}")
        unknown_limits = sorted(set(family.limits) - limit_ids)
        if unknown_limits:
            raise KnowledgeError(folder / "families" / family.file, family.id,
                                 f"unknown rule-book limits {unknown_limits}")
    none_path = folder / "none.yml"
    raw_none = read_yaml(none_path, KnowledgeError)
    if not isinstance(raw_none, list):
        raise KnowledgeError(none_path, "(file)", "a list of {text: ...}")
    none_texts = tuple(str(item["text"]).strip() for item in raw_none
                       if isinstance(item, dict) and str(item.get("text") or "").strip())
    if len(none_texts) != len(raw_none):
        raise KnowledgeError(none_path, "(file)", "every entry needs a non-empty text")
    return Knowledge(families=tuple(families), none_texts=none_texts,
                     settings=_settings(folder / "model.yml"))
