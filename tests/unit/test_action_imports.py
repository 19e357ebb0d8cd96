"""The actions do not import one another: an action module imports only ``actions.common``
and ``actions.pipeline`` of the package (the turn's logic lives in ``bot/turn``), and
``bot/turn`` imports neither Rasa nor the actions."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = {"actions.common", "actions.pipeline"}


def _imported(path: Path) -> set[str]:
    """Every module a file imports (``from actions import common`` is actions.common)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.add("." * node.level + (node.module or ""))
                continue
            found.add(node.module or "")
            if node.module == "actions":
                found |= {f"actions.{alias.name}" for alias in node.names}
    return found


def test_no_action_module_imports_another():
    wrong = {}
    for path in sorted((REPO / "actions").glob("*.py")):
        own = f"actions.{path.stem}"
        others = {name for name in _imported(path)
                  if (name.startswith("actions.") or name.startswith("."))
                  and name not in SHARED | {own}}
        if others:
            wrong[path.name] = sorted(others)
    assert wrong == {}


def test_the_turn_logic_imports_no_rasa_and_no_action():
    wrong = {}
    for path in sorted((REPO / "bot" / "turn").glob("*.py")):
        bad = {name for name in _imported(path)
               if name.split(".")[0] in {"rasa", "rasa_sdk", "actions"}}
        if bad:
            wrong[path.name] = sorted(bad)
    assert wrong == {}


def test_the_check_sees_an_action_import(tmp_path):
    module = tmp_path / "x.py"
    module.write_text("from actions.case import A\nfrom actions import guidance, common\n"
                      "def f():\n    import actions.records\n", encoding="utf-8")
    assert _imported(module) >= {"actions.case", "actions.guidance", "actions.common",
                                 "actions.records"}
