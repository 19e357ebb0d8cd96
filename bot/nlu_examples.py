"""Read Rasa YAML NLU files into (text, intent) pairs without loading Rasa."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.datafiles import parse_yaml


def read_examples(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """All (example text, intent) pairs in the given NLU YAML files."""
    pairs: list[tuple[str, str]] = []
    for path in paths:
        content = parse_yaml(path.read_text(encoding="utf-8")) or {}
        for block in content.get("nlu", []):
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    pairs.append((line[2:].strip(), intent))
    return pairs
