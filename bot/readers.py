"""The trained readers of a turn, built once per process from the catalog.

:func:`build_readers` trains the knowledge retrieval model, the dialogue-act model, the
role model, the clause model, the draft-style model, the safety reader and the sum reader
on the catalog's data (a few seconds); the action server calls it at start-up and passes
the result on.
:func:`text_preparer` is the one normalization every model reads through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.catalog import Catalog
from bot.chinese_forms import normalize
from bot.drafting.style import DraftStyle, StyleModel
from bot.guidance import safety_flags_in
from bot.knowledge import KnowledgeModel, Match
from bot.knowledge.retrieval import SECOND_MARGIN as CONFIDENT
from bot.knowledge.retrieval import segments
from bot.mixed_language import MixedLanguage
from bot.nlu_examples import read_examples
from bot.textclassifier import Tokenize
from bot.understanding.acts import ActModel
from bot.understanding.clause_kinds import ClauseModel
from bot.understanding.clauses import normalized
from bot.understanding.intents import intent_registry
from bot.understanding.roles import RoleModel
from bot.understanding.safety_reader import SafetyModel
from bot.understanding.sums import SumModel


def text_preparer(mixed: MixedLanguage) -> Callable[[str], str]:
    """Simplified, half-width, English words read as Chinese, lower case."""
    return lambda text: normalized(text or "", mixed).lower().strip()


class WordTokenizer:
    """jieba's segmenter with the domain dictionary (its own instance), spaces dropped.

    The readers train on overlapping texts (the safety and style models share most of
    their negatives), so each text's cut is kept: a bounded cache, since every user's
    message passes through it too."""

    CACHE_SIZE = 200_000

    def __init__(self, userdict: Path) -> None:
        self.userdict = Path(userdict)
        self._segmenter: Any = None
        self._cuts: dict[str, list[str]] = {}

    def _segment(self, text: str) -> list[str]:
        if self._segmenter is None:
            import jieba  # imported here: building the readers, not importing this module

            self._segmenter = jieba.Tokenizer()
            if self.userdict.is_file():
                self._segmenter.load_userdict(str(self.userdict))
        return [word for word in self._segmenter.lcut(text) if word.strip()]

    def __call__(self, text: str) -> list[str]:
        cut = self._cuts.get(text)
        if cut is None:
            if len(self._cuts) >= self.CACHE_SIZE:
                self._cuts.clear()
            cut = self._cuts[text] = self._segment(text)
        return list(cut)


def word_tokenizer(userdict: Path) -> Tokenize:
    """jieba's segmenter with the domain dictionary, spaces dropped, each cut kept."""
    return WordTokenizer(userdict)


@dataclass(frozen=True, eq=False)
class Readers:
    """The knowledge, act and role models of one catalog. A turn asks about the same
    text several times (answer, honest line, act reply): the last readings are kept."""

    knowledge: KnowledgeModel
    acts: ActModel
    roles: RoleModel
    clauses: ClauseModel
    styles: StyleModel
    safety: SafetyModel
    sums: SumModel

    def is_fact(self, clause: str) -> bool:
        """Whether a clause of a message is a fact of the user's story."""
        return self._is_fact(clause)

    @lru_cache(maxsize=4096)  # noqa: B019 - one Readers per process; drafts re-read clauses
    def _is_fact(self, clause: str) -> bool:
        return self.clauses.is_fact(clause)

    def style(self, text: str) -> DraftStyle:
        """The length and tone a request's words ask for (the defaults when none)."""
        return self._style(text)

    @lru_cache(maxsize=1024)  # noqa: B019 - one Readers per process; a turn re-reads
    def _style(self, text: str) -> DraftStyle:
        return self.styles.read(text)

    def safety_flags(self, text: str) -> tuple[str, ...]:
        """The rule book's safety flags the message's words raise (threat, fraud, extortion
        told in any words)."""
        return self._safety_flags(text)

    @lru_cache(maxsize=1024)  # noqa: B019 - one Readers per process; a turn re-reads
    def _safety_flags(self, text: str) -> tuple[str, ...]:
        return self.safety.flags(text)

    def sum_kind(self, clause: str, before: str = "") -> str:
        """What the masked sum of a clause is: price, demand or other (the sum reader)."""
        return self._sum_kind(clause, before)

    @lru_cache(maxsize=1024)  # noqa: B019 - one Readers per process; a turn re-reads
    def _sum_kind(self, clause: str, before: str) -> str:
        return self.sums.kind(clause, before)

    def is_request(self, clause: str) -> bool:
        """Whether a clause of a message asks for something (the clause model)."""
        return self.clauses.kind(clause) == "request"

    def role(self, text: str) -> str | None:
        """The role the message's words imply (``buyer`` / ``seller``), or None."""
        return self._role(text)

    @lru_cache(maxsize=1024)  # noqa: B019 - one Readers per process; every turn re-reads
    def _role(self, text: str) -> str | None:
        return self.roles.role(text)

    def act(self, text: str, context: str = "") -> str:
        """The dialogue act of ``text`` after the assistant said ``context``."""
        return self._act(text, context)

    @lru_cache(maxsize=256)  # noqa: B019 - one Readers per process, kept for its lifetime
    def _act(self, text: str, context: str) -> str:
        return self.acts.act(text, context)

    def answers(self, text: str, context: str = "", role: str | None = None,
                case_type: str | None = None) -> list[Match]:
        """The knowledge families the message asks (read whole and sentence by sentence).
        A message the act model reads as no question (a story, "卖家一直不同意退款") keeps
        only families past the boundary: the case's own step answers it, and gating every
        statement lost a sixth of the families' held-out paraphrases (many are statements)."""
        matches = self.knowledge.asked(text, role, case_type)
        if matches and not self.asks(text, context):
            return [match for match in matches if match.score >= CONFIDENT]
        return matches

    def asks(self, text: str, context: str = "") -> bool:
        """Whether the message, or one of its sentences, is a question (dialogue acts; the
        whole message read against the assistant's last words)."""
        return (self.act(text, context) == "question"
                or any(self.act(piece) == "question" for piece in segments(text)[1:]))


def build_readers(catalog: Catalog) -> Readers:
    """Train the readers on the catalog's data."""
    prepare = text_preparer(catalog.mixed_language)
    words = word_tokenizer(catalog.data_dir / "dictionary" / "userdict.txt")
    return Readers(KnowledgeModel(catalog.knowledge, prepare, words),
                   ActModel(catalog.acts, prepare, words),
                   RoleModel(catalog.knowledge, catalog.acts, catalog.roles, prepare, words),
                   ClauseModel(catalog.clauses, prepare, words),
                   StyleModel(catalog.styles, styleless_texts(catalog), prepare, words),
                   SafetyModel(catalog.safety, everyday_texts(catalog), prepare, words),
                   SumModel(catalog.sums, prepare, words, catalog.mixed_language))


EVERYDAY_ACTS = ("yes", "no", "thanks", "aside", "question", "request")
CASE_DETAILS = ("inform",)  # an intent whose examples tell details of a case's story


def everyday_texts(catalog: Catalog) -> list[str]:
    """Turns that tell no threat, fraud or extortion (the safety reader's negatives): the
    act examples that are short answers, thanks, asides, questions and requests, the NLU
    examples of the intents that are no case type and tell no detail of a case (greetings,
    the user's records, reminders), and the story clauses that are facts and that no
    keyword trigger of the rule book flags (what was paid, said, sent, delivered)."""
    registered = intent_registry().names
    examples = read_examples(sorted((catalog.data_dir / "nlu").glob("*.yml")))
    book = catalog.rulebook
    return ([example.text for example in catalog.acts.examples
             if example.act in EVERYDAY_ACTS]
            + [text for text, intent in examples
               if intent in registered and intent not in CASE_DETAILS]
            + [text for text, kind in zip(catalog.clauses.texts, catalog.clauses.kinds,
                                          strict=True)
               if kind == "fact" and not safety_flags_in(normalize(text), book)])


DRAFT_REQUESTS = ("request_draft", "request_case_file")  # their examples may ask a style
# "一条牛仔裤" names the item, it asks no "一条消息": every item head after these measure words
ITEM_MEASURES = ("一条", "一件", "一双", "一个", "一台", "一部", "一瓶", "一套", "一盒", "一只")


def styleless_texts(catalog: Catalog) -> list[str]:
    """Texts that ask for no length or tone (the style reader's negatives): the plain
    texts, the lexicon's items after a measure word, and the NLU examples of every intent
    but the draft requests (stories told whole, with order numbers, amounts and dates, and
    short answers)."""
    examples = read_examples(sorted((catalog.data_dir / "nlu").glob("*.yml")))
    items = [f"{measure}{head}" for head in catalog.lexicon.item_heads
             for measure in ITEM_MEASURES]
    return plain_texts(catalog) + items + [text for text, intent in examples
                                           if intent not in DRAFT_REQUESTS]


def plain_texts(catalog: Catalog) -> list[str]:
    """Texts that ask for no draft style: the act and clause examples that are not
    requests (the style model's negative examples)."""
    return ([example.text for example in catalog.acts.examples if example.act != "request"]
            + [text for text, kind in zip(catalog.clauses.texts, catalog.clauses.kinds,
                                          strict=True) if kind != "request"])
