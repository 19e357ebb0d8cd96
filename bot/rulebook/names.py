"""The rule book's names: its files, roles, case types (the case folders), order statuses,
units, kinds of limit and ladder sides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.datafiles import DataFileError, data_path, read_yaml

EVENTS_FILE = "events.yml"
LADDER_FILE = "ladder.yml"
SAFETY_FILE = "safety.yml"
TIMELINES_FILE = "timelines.yml"
FACETS_FILE = "facets.yml"
SPECIAL_FILES = (EVENTS_FILE, LADDER_FILE, SAFETY_FILE, TIMELINES_FILE, FACETS_FILE)

BUYER = "buyer"
SELLER = "seller"
ROLES: tuple[str, ...] = (BUYER, SELLER)

# The case types are the folders of data/cases (one per case-type intent of
# shared/intents.md); the catalog reads them once and the rule book answers for them.
CASES_DIR = data_path("cases")
CASE_FILE = "case.yml"
CASE_RULEBOOK_FILE = "rulebook.yml"  # the case folder's rule-book entries
CASE_DRAFTS_FILE = "drafts.yml"  # what a draft says about the case
_CASE_ID = re.compile(r"^[a-z][a-z_]*[a-z]$")


@dataclass(frozen=True)
class CaseFolder:
    """One case type: its folder, its place in the intent catalog, its label, its roles."""

    id: str
    order: int
    label: str
    roles: tuple[str, ...]
    path: Path


def _case_folder(folder: Path) -> CaseFolder:
    path = folder / CASE_FILE
    if not _CASE_ID.match(folder.name):
        raise DataFileError(folder, "(folder)", "a case folder is named after its intent")
    data = read_yaml(path)
    if not isinstance(data, dict) or set(data) != {"order", "label", "roles"}:
        raise DataFileError(path, "(top level)", "must have exactly order, label and roles")
    if not isinstance(data["order"], int) or data["order"] < 1:
        raise DataFileError(path, "order", "must be a positive number")
    if not isinstance(data["label"], str) or not data["label"].strip():
        raise DataFileError(path, "label", "must be a non-empty text")
    roles = data["roles"]
    if not isinstance(roles, list) or not roles or any(role not in ROLES for role in roles):
        raise DataFileError(path, "roles", f"must be a non-empty list of {', '.join(ROLES)}")
    return CaseFolder(folder.name, data["order"], data["label"].strip(),
                      tuple(role for role in ROLES if role in roles), folder)


def load_case_folders(cases_dir: Path) -> dict[str, CaseFolder]:
    """Every case folder, in intent-catalog order (validated)."""
    folders = sorted(p for p in Path(cases_dir).iterdir() if (p / CASE_FILE).is_file())
    if not folders:
        raise DataFileError(cases_dir, "(folder)", "holds no case folder")
    cases = [_case_folder(folder) for folder in folders]
    orders = [case.order for case in cases]
    if len(set(orders)) != len(orders):
        twice = next(case for case in cases if orders.count(case.order) > 1)
        raise DataFileError(twice.path / CASE_FILE, "order", f"{twice.order} is used twice")
    return {case.id: case for case in sorted(cases, key=lambda case: case.order)}


ORDER_STATUSES: tuple[str, ...] = (
    "unpaid",
    "not_shipped",
    "shipped",
    "received",
    "completed",
    "refunding",
    "closed",
)
ASKABLE: tuple[str, ...] = ("role", "order_status", "key_date")


class Unit(StrEnum):
    """Unit of a time limit."""

    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


class Kind(StrEnum):
    """How a time limit reads: possible from (opens), due by (deadline), expected by."""

    OPENS = "opens"
    DEADLINE = "deadline"
    EXPECTED = "expected"


class Side(StrEnum):
    """Which role's ladders may use a rung."""

    BUYER = "buyer"
    SELLER = "seller"
    ANY = "any"
