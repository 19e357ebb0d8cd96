"""The data is loaded in one place and passed in: no module of ``bot/`` or ``actions/``
reads a data file on its own, and no loader keeps a module-level cache."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA_LOADERS = {
    "load_catalog", "load_rulebook", "load_sources", "load_statutes", "load_lexicon",
    "load_questions", "load_drafts", "load_locale", "load_holidays", "load_case_folders",
    "load_channel_texts", "load_mixed_language", "load_texts", "load_reminder_texts",
}
# Where a loader may be called: the catalog, the factories of the two processes (the
# action server's catalog, the channels' guards and texts, the console's catalog) and the
# NLU components, which Rasa builds in its own process from their own files; the reminder
# runner's process (bot/reminders/runner.py) and the channels' reminder desk.
ALLOWED = {
    "bot/catalog.py", "actions/common.py", "bot/channels/guards.py",
    "bot/channels/console.py", "bot/channels/wechat.py", "bot/nlu/normalizer.py",
    "bot/nlu/case_beside_request.py", "bot/reminders/runner.py", "bot/channels/reminders.py",
}


def _modules() -> list[Path]:
    return sorted([*REPO.glob("bot/**/*.py"), *REPO.glob("actions/**/*.py")])


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_only_the_catalog_and_the_factories_call_the_loaders() -> None:
    offenders = {}
    for path in _modules():
        where = str(path.relative_to(REPO))
        if where in ALLOWED:
            continue
        called = _called_names(ast.parse(path.read_text(encoding="utf-8")))
        defined = {node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.FunctionDef)}
        wrong = (called & DATA_LOADERS) - defined  # a loader module's own loader is fine
        if wrong:
            offenders[where] = sorted(wrong)
    assert offenders == {}


def test_no_loader_is_cached_at_module_level() -> None:
    cached = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in DATA_LOADERS | {"_load"}:
                if any("cache" in ast.unparse(d) for d in node.decorator_list):
                    cached.append(f"{path.relative_to(REPO)}:{node.name}")
    assert cached == []
