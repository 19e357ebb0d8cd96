"""Print every rule-book entry with its kind of source, its references and its as_of age."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.catalog import load_catalog
from bot.rules_report import format_report, report_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    print(format_report(report_rows(load_catalog().rulebook, args.today), args.today))


if __name__ == "__main__":
    main()
