"""One folder per case type: the folders are the case types, and they agree with the
domain and the public intent catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.datafiles import DataFileError
from bot.rulebook import load_case_folders
from bot.rulebook.names import CASES_DIR
from tests.data import catalog
from tests.unit.test_rulebook import BOTH_ROLES, INTENT_CATALOG_CASES, SELLER_ONLY

REPO = Path(__file__).resolve().parents[2]


def test_the_case_types_are_the_folders_and_the_public_ones_come_first() -> None:
    case_types = catalog().rulebook.case_types()
    assert list(case_types) == list(load_case_folders(CASES_DIR))
    # the public catalog's case types, in its order; a new case type is a folder after them
    assert list(case_types)[:len(INTENT_CATALOG_CASES)] == INTENT_CATALOG_CASES
    assert sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir()) == sorted(case_types)


def test_every_folder_holds_its_entry_its_drafts_and_its_label() -> None:
    book = catalog().rulebook
    roles_by_case = {c.id: c.roles for c in catalog().cases.values()}
    for case_type, folder in load_case_folders(CASES_DIR).items():
        assert {p.name for p in folder.path.iterdir()} == {"case.yml", "rulebook.yml",
                                                            "drafts.yml"}, case_type
        assert folder.label and book.roles_for(case_type) == list(folder.roles)
    assert {c for c, roles in roles_by_case.items() if len(roles) == 2} == BOTH_ROLES
    assert {c for c, roles in roles_by_case.items() if roles == ("seller",)} == SELLER_ONLY


def test_the_domain_has_an_intent_for_every_case_folder() -> None:
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]
    assert set(catalog().rulebook.case_types()) <= set(intents)


def test_a_broken_case_folder_is_named(tmp_path) -> None:
    shutil.copytree(CASES_DIR, tmp_path / "cases")
    (tmp_path / "cases" / "lawsuit" / "case.yml").write_text(
        "order: 12\nlabel: 起诉卖家\nroles: [buyer, shopkeeper]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="lawsuit/case.yml: roles"):
        load_case_folders(tmp_path / "cases")
    (tmp_path / "cases" / "lawsuit" / "case.yml").write_text(
        "order: 1\nlabel: 起诉卖家\nroles: [buyer]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="order.*used twice"):
        load_case_folders(tmp_path / "cases")
