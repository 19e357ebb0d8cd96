"""Drafts the user can send as they are, rendered from the facts of their case.

A draft is one *kind* of text (``data/drafts/kinds.yml``: a message or an ultimatum to the
seller, an after-sale reason, a statement or an appeal to the platform, a complaint to 12315 or the
consumer association, a police report, a demand letter …) for one case
(``data/cases/<case_type>/drafts.yml``) in one tone. Every label and format is in
``data/drafts/config.yml``; this module holds no Chinese text.

Only facts the user gave are used (:class:`DraftFacts`). A fact the kind needs and the user
never gave renders as a visible placeholder and is listed in ``Draft.missing``; every other
fact appears only when given. User text is passed to the templates as values, never
compiled as template source.

The package: :mod:`~bot.drafting.facts` (what a draft is made of),
:mod:`~bot.drafting.draft_catalog` (kinds, cases and templates, validated),
:mod:`~bot.drafting.render` (a draft from the facts), :mod:`~bot.drafting.text` (cleaning
user text), :mod:`~bot.drafting.request` (which kind and tone a request asks for) and
:mod:`~bot.drafting.compose` (a case state into draft facts and context).
"""

from bot.drafting.draft_catalog import (
    CaseText,
    DraftCatalog,
    DraftKind,
    check_lexicon_events,
    load_drafts,
    placeholder,
)
from bot.drafting.facts import (
    NEEDABLE,
    TONES,
    Draft,
    DraftConfigError,
    DraftContext,
    DraftError,
    DraftFacts,
    Said,
    TimelineEntry,
)
from bot.drafting.render import render_draft, render_short

__all__ = [
    "NEEDABLE", "TONES", "CaseText", "Draft", "DraftCatalog", "DraftConfigError",
    "DraftContext", "DraftError", "DraftFacts", "DraftKind", "Said", "TimelineEntry",
    "check_lexicon_events", "load_drafts",
    "placeholder", "render_draft", "render_short",
]
