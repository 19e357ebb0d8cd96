"""Docs and file headers describe today's code: every repository path they name exists
(the README, docs/, each Python module's docstring and comments, and the data files'
comments). A path may name a module's attribute: ``bot/readers.build_readers``."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import REPO_ROOT

TOP_FOLDERS = ("bot", "actions", "data", "tests", "scripts", "docs", "migrations",
               "requirements", ".ci")
FOLDERS = "|".join(re.escape(folder) for folder in TOP_FOLDERS)
PATH = re.compile(rf"(?<![\w/.])((?:{FOLDERS})/[A-Za-z0-9_./*-]*[A-Za-z0-9_*])")
FILE_SUFFIXES = {"py", "yml", "yaml", "md", "j2", "txt", "json", "sh", "js", "css", "html", "ini",
                 "toml", "lock.txt", "pdf", "db"}
DOCSTRING = re.compile(r"\s*(?:\"\"\"|''')(.*?)(?:\"\"\"|''')", re.S)


def _texts() -> dict[Path, str]:
    texts = {path: path.read_text(encoding="utf-8")
             for path in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]}
    for folder in ("bot", "actions", "scripts", "tests", "migrations"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            header = DOCSTRING.match(source)
            comments = [line for line in source.splitlines() if line.lstrip().startswith("#")]
            texts[path] = "\n".join([header.group(1) if header else "", *comments])
    for path in sorted((REPO_ROOT / "data").rglob("*.yml")):
        texts[path] = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                                if line.lstrip().startswith("#"))
    return texts


def _exists(named: str) -> bool:
    if "*" in named:
        return any(REPO_ROOT.glob(named))
    if (REPO_ROOT / named).exists():
        return True
    folder, _, last = named.rpartition("/")
    module, _, attribute = last.partition(".")  # bot/readers.build_readers: bot/readers.py
    if not attribute or attribute in FILE_SUFFIXES:
        return False
    owner = REPO_ROOT / folder / f"{module}.py"
    return owner.exists() and re.search(rf"^\s*(?:def|class|async def)?\s*{re.escape(attribute)}\b",
                                        owner.read_text(encoding="utf-8"), re.M) is not None


def test_every_path_a_doc_or_header_names_exists():
    missing = [f"{path.relative_to(REPO_ROOT)}: {named}"
               for path, text in _texts().items()
               for named in PATH.findall(text) if not _exists(named)]
    assert not missing, "paths that do not exist:\n" + "\n".join(missing)


def test_the_check_finds_a_missing_path():
    assert PATH.findall("see bot/drafting.py and `bot/turn/`") == ["bot/drafting.py", "bot/turn"]
    assert not _exists("bot/drafting.py") and not _exists("bot/readers.no_such")
    assert _exists("bot/turn") and _exists("tests/conversations/law*.yml")


def test_the_readme_stays_a_readme(repo_root):
    """For users and operators, at most 250 lines (issue 30); figures live in docs/."""
    lines = (repo_root / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move detail to docs/"
