"""The data files, loaded once for the whole test run (the tests' own cache: the code under
test gets its catalog passed in, like the action server and the channels give it)."""

from __future__ import annotations

from functools import lru_cache

from bot.catalog import Catalog, load_catalog
from bot.readers import Readers, build_readers


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The repository's data files as one validated catalog."""
    return load_catalog()


@lru_cache(maxsize=1)
def readers() -> Readers:
    """The trained readers of that catalog (a few seconds, once per test run)."""
    return build_readers(catalog())
