"""Copy the articles the rule book cites from ../shared/reference/law into data/law/articles.yml.

Each article keeps its verbatim text (one paragraph per line) and whether a second copy
confirmed it (``single_copy: true`` when none did: check the official text before relying on
its exact words). Run by ``make law-import``; the output is committed, so the assistant
never reads ../shared at run time.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "law"
SOURCES = REPO / "data" / "law" / "sources.yml"
OUTPUT = REPO / "data" / "law" / "articles.yml"
HEADING = re.compile(r"^### (第[〇零一二三四五六七八九十百千]+条)")
CONFIRMED = re.compile(r"identical|matches")
HEADER = ("# Verbatim article texts, made by scripts/import_law.py from ../shared/reference/law "
          "(do not edit by hand).\n# single_copy: no second copy confirmed the text; check the "
          "official text before relying on its exact words.\n")


def read_articles(path: Path) -> dict[str, dict[str, object]]:
    """Article number -> {text, single_copy} for every ``### 第…条`` section of a file."""
    articles: dict[str, dict[str, object]] = {}
    current: str | None = None
    paragraphs: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            current, paragraphs = heading.group(1), []
            continue
        if current is None:
            continue
        if line.startswith(">"):
            body = line[1:].strip()
            if body:
                paragraphs.append(body)
        elif line.startswith("Cross-check:"):
            articles[current] = {"text": "\n".join(paragraphs),
                                 "single_copy": not CONFIRMED.search(line)}
            current = None
    return articles


def build(reference: Path) -> dict[str, dict[str, dict[str, object]]]:
    """doc id -> article -> {text, single_copy}, for the articles sources.yml lists."""
    documents = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["documents"]
    out: dict[str, dict[str, dict[str, object]]] = {}
    for doc_id, spec in documents.items():
        wanted = spec.get("articles") or []
        if not wanted:
            continue
        found = read_articles(reference / spec["reference"])
        missing = [number for number in wanted if number not in found]
        if missing:
            sys.exit(f"{spec['reference']}: articles not found: {', '.join(missing)}")
        out[doc_id] = {number: found[number] for number in wanted}
    return out


class _Dumper(yaml.SafeDumper):
    """Writes multi-line texts as literal blocks, one paragraph per line."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when articles.yml differs from the reference texts")
    args = parser.parse_args()
    text = HEADER + yaml.dump({"articles": build(args.reference)}, Dumper=_Dumper,
                              allow_unicode=True, sort_keys=False, width=1000)
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print("articles.yml matches the reference texts" if same
              else "articles.yml differs from the reference texts: run make law-import")
        sys.exit(0 if same else 1)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
