"""Where the data files are, and the one error style for a data file that cannot be used.

Every module that reads ``data/`` asks :func:`data_path` for its file, so this is the only
place that knows where the folder is, and parses it with :func:`parse_yaml` (libyaml's safe
loader: the data is tens of thousands of examples, which the pure-Python parser takes
seconds to read at every start). :class:`DataFileError` names the file and the entry
(``file: entry: problem``); the loaders' own errors derive from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"


def data_path(*parts: str) -> Path:
    """A path inside ``data/``."""
    return DATA_DIR.joinpath(*parts)


def display(path: Path | str) -> str:
    """A path as errors show it: relative to the repository when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class DataFileError(ValueError):
    """A data file, or one of its entries, cannot be used."""

    def __init__(self, file: Path | str, entry: str, problem: str) -> None:
        self.file, self.entry, self.problem = display(file), entry, problem
        super().__init__(f"{self.file}: {entry}: {problem}")


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


def parse_yaml(text: str) -> Any:
    """YAML text parsed safely (plain data only), by libyaml when available."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def read_yaml(path: Path, error: type[DataFileError] = DataFileError) -> Any:
    """The parsed YAML of a data file; a missing file or bad syntax raises ``error``."""
    try:
        return parse_yaml(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(path, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise error(path, "(file)", f"malformed YAML: {' '.join(str(exc).split())}") from None
