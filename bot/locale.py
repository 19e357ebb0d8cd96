"""The locale file (``data/locale/zh.yml``): every Chinese word the code shows comes from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.datafiles import DataFileError, data_path, read_yaml

DEFAULT_LOCALE = data_path("locale", "zh.yml")


def load_locale(path: Path = DEFAULT_LOCALE) -> dict[str, Any]:
    """Read the locale file (a mapping of texts)."""
    data = read_yaml(Path(path))
    if not isinstance(data, dict):
        raise DataFileError(path, "(top level)", "expected a mapping")
    return data
