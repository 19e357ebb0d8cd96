"""Score the knowledge retrieval model on a question set: the right family, or none.

``python scripts/eval_knowledge.py QUESTIONS.yml`` (items: ``text``, ``families``, the ids
whose answer answers it or ``[none]``, older sets give one ``family``, and ``kind``) prints
the rate overall and per kind, and the misses with ``--misses``. The first run of a blind
set is the only figure that measures generalization.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from bot.catalog import load_catalog
from bot.readers import Readers, build_readers


def score(questions: list[dict], readers: Readers) -> tuple[dict[str, list[bool]], list[str]]:
    """Right/wrong per kind ("all" included) and a line per miss, as the assistant reads a
    message: its question sentences (dialogue acts), then the knowledge model."""
    by_kind: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for item in questions:
        matches = readers.answers(str(item["text"]))
        got = matches[0].family.id if matches else "none"
        wanted = [str(name) for name in item.get("families") or [item["family"]]]
        right = got in wanted
        by_kind["all"].append(right)
        by_kind[str(item.get("kind") or "plain")].append(right)
        by_kind["not_in_kb" if wanted == ["none"] else "in_kb"].append(right)
        if not right:
            misses.append(f"{'/'.join(wanted)} <- {got}: {item['text']}")
    return by_kind, misses


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args(argv)
    readers = build_readers(load_catalog())
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    by_kind, misses = score(questions, readers)
    for kind, results in sorted(by_kind.items(), key=lambda item: item[0] != "all"):
        print(f"{kind:<14}{sum(results):>5}/{len(results):<5}{sum(results) / len(results):.3f}")
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
