"""Every regex that runs on user text finishes quickly on hostile input (issue: one long
message stalled every user). Each pattern is timed on 5,000-character adversarial texts."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

from bot import chinese_forms as normalize
from bot import dates
from bot.channels import wechat_protocol
from bot.drafting import text as draft_text
from bot.nlu.entities import load_patterns
from bot.store import privacy
from bot.understanding import extract, parties

LIMIT_SECONDS = 0.05
SIZE = 5000
MODULES: tuple[ModuleType, ...] = (dates, privacy, normalize, extract, parties, wechat_protocol,
                                   draft_text)


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


def _module_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for module in MODULES:
        for name, value in vars(module).items():
            candidates = value if isinstance(value, tuple | list) else (value,)
            for index, item in enumerate(candidates):
                pattern = getattr(item, "pattern", item)
                if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
                    yield f"{module.__name__}.{name}[{index}]", pattern


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
