"""The locale file (``data/locale/zh.yml``): every Chinese word the code shows comes from it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.datafiles import DataFileError, data_path, read_yaml

DEFAULT_LOCALE = data_path("locale", "zh.yml")


@lru_cache(maxsize=4)
def load_locale(path: Path = DEFAULT_LOCALE) -> dict[str, Any]:
    """Read the locale file once (cached)."""
    data = read_yaml(Path(path))
    if not isinstance(data, dict):
        raise DataFileError(path, "(top level)", "expected a mapping")
    return data


def entry(*keys: str) -> Any:
    """A nested locale entry, e.g. ``entry("deadline", "dated", "opens")``."""
    node: Any = load_locale()
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise KeyError(f"locale has no entry {'.'.join(keys)}")
        node = node[key]
    return node
