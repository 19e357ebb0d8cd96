"""Rule book: pydantic (v1) models, loader and validator for ``data/rulebook/*.yml``.

The directory holds four fixed files and any number of case files:

* ``events.yml``    - ``events: {id: label}``, the events a time limit counts from;
* ``ladder.yml``    - ``rungs: [...]``, the escalation rungs;
* ``safety.yml``    - ``flags: {id: {message, source, as_of}}`` and ``triggers: [...]``;
* ``timelines.yml`` - ``limits: [...]``, time limits shared by several cases;
* every other ``*.yml`` - ``cases: [...]``, one entry per case type and role.

Every ``source`` names its references (a practice article such as "src 000", or a
document id and an article number; see ``data/law/sources.yml``) and every entry its
``as_of`` date, when it was last checked against them. Any problem, an unresolvable
reference included, stops the load with a :class:`RuleBookError` naming the file, the
entry and the field.

The package: :mod:`~bot.rulebook.names` (files, roles, case types, statuses),
:mod:`~bot.rulebook.schema` (pydantic models and the error), :mod:`~bot.rulebook.book` (the
rule book's lookups) and :mod:`~bot.rulebook.loader` (reading and validating).
"""

from bot.rulebook.book import RuleBook
from bot.rulebook.loader import load_rulebook
from bot.rulebook.names import (
    ASKABLE,
    BUYER,
    ORDER_STATUSES,
    ROLES,
    SELLER,
    CaseFolder,
    Kind,
    Side,
    Unit,
    load_case_folders,
)
from bot.rulebook.schema import (
    CaseEntry,
    LadderStep,
    Note,
    RuleBookError,
    Rung,
    SafetyFlag,
    SafetyTrigger,
    StartIf,
    TimeLimit,
)

__all__ = [
    "ASKABLE", "BUYER", "ORDER_STATUSES", "ROLES", "SELLER",
    "CaseEntry", "CaseFolder", "Kind", "LadderStep", "Note", "RuleBook", "RuleBookError",
    "Rung", "SafetyFlag", "SafetyTrigger", "StartIf", "Side", "TimeLimit", "Unit",
    "load_case_folders", "load_rulebook",
]
