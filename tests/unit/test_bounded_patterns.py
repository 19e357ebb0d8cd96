"""Every regex that runs on user text finishes quickly on hostile input (issue: one long
message stalled every user). Each pattern is timed on 5,000-character adversarial texts:
every compiled pattern of every ``bot.*`` module (bare, in a container, as a class
attribute or as an object's ``pattern``) and every pattern of ``data/entities/patterns.yml``."""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest

import bot
from bot.nlu.entities import load_patterns

LIMIT_SECONDS = 0.05
SIZE = 5000


def _hostile() -> dict[str, str]:
    """Inputs shaped to make backtracking patterns try every split."""
    half = SIZE // 2
    return {
        "spaces": "退款1" + " " * SIZE + "天",
        "spaces_between_digits": ("1 " * half)[:SIZE],
        "digits": "9" * SIZE + "x",
        "digits_commas": ("1," * half)[:SIZE] + "元x",
        "punctuation": "。，！？" * (SIZE // 4),
        "units": "元" * SIZE,
        "wan": ("1万" * half)[:SIZE],
        "dots": ("1." * half)[:SIZE],
        "months": ("1月" * half)[:SIZE],
        "mixed": ("11月 3号 ¥ 299 元 " * (SIZE // 16))[:SIZE],
        "newlines": "\n" * SIZE + "x",
        "cjk": "买" * SIZE,
    }


def bot_modules() -> list[ModuleType]:
    """Every module of the ``bot`` package, imported."""
    modules = [bot]
    for info in pkgutil.walk_packages(bot.__path__, prefix="bot."):
        modules.append(importlib.import_module(info.name))
    return modules


def _patterns_in(name: str, value: Any, depth: int = 0) -> Iterator[tuple[str, re.Pattern[str]]]:
    """Compiled text patterns in ``value``: itself, its ``pattern`` attribute, or inside a
    tuple, list, set or dict (a few levels deep)."""
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            yield name, value
        return
    if depth > 3 or isinstance(value, str | bytes | ModuleType):
        return
    inner = getattr(value, "pattern", None) if not isinstance(value, type) else None
    if isinstance(inner, re.Pattern):
        yield from _patterns_in(name, inner, depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _patterns_in(f"{name}[{key!r}]", item, depth + 1)
    elif isinstance(value, tuple | list | set | frozenset):
        for index, item in enumerate(value):
            yield from _patterns_in(f"{name}[{index}]", item, depth + 1)


def _module_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for module in bot_modules():
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == module.__name__:
                for attr, member in vars(value).items():
                    yield from _patterns_in(f"{module.__name__}.{name}.{attr}", member)
            elif not isinstance(value, type):
                yield from _patterns_in(f"{module.__name__}.{name}", value)


def _entity_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    _ruler, rules = load_patterns("data/entities/patterns.yml")
    for index, rule in enumerate(rules):
        flags = re.IGNORECASE if rule.get("ignore_case") else 0
        yield f"patterns.yml regex[{index}]", re.compile(rule["pattern"], flags)
        if rule.get("not_after"):
            yield f"patterns.yml regex[{index}].not_after", re.compile(
                f"(?:{rule['not_after']})$", flags)


PATTERNS = dict([*_module_patterns(), *_entity_patterns()])


def test_the_patterns_were_found() -> None:
    assert len(PATTERNS) > 40
    assert any(name.startswith("patterns.yml") for name in PATTERNS)


def test_bare_compiled_patterns_of_every_bot_module_are_timed() -> None:
    """A module-level ``re.compile(...)`` counts, in any ``bot.*`` module (issue 24, 13)."""
    assert "bot.store.privacy._MOBILE" in PATTERNS
    assert "bot.channels.wechat_protocol._CHOICE" in PATTERNS
    assert "bot.channels.web.SENDER_PATTERN" in PATTERNS
    timed_modules = {name.rsplit(".", 1)[0] for name in PATTERNS if name.startswith("bot.")}
    assert len(timed_modules) >= 15


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_pattern_is_fast_on_hostile_input(name: str) -> None:
    pattern = PATTERNS[name]
    slow = {}
    for shape, text in _hostile().items():
        start = time.perf_counter()
        for _match in pattern.finditer(text):
            pass
        elapsed = time.perf_counter() - start
        if elapsed > LIMIT_SECONDS:
            slow[shape] = round(elapsed, 3)
    assert not slow, f"{name} ({pattern.pattern[:60]}…) is slow: {slow}"
