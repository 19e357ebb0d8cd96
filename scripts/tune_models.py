"""Choose the readers' settings by cross-validation on their training data alone.

Writes ``data/knowledge/model.yml`` (C and the acceptance threshold of the knowledge
retrieval model), the ``c`` of ``data/understanding/acts_model.yml`` and
``data/understanding/role_model.yml`` (the role model's C and threshold) and
``data/understanding/clause_model.yml`` (the clause model's C and fact threshold) and
``data/drafts/style_model.yml`` (the draft-style model's C and thresholds) and
``data/understanding/safety_model.yml`` (the safety reader's C and thresholds) and
``data/understanding/sum_model.yml`` (the sum reader's C); prints the out-of-fold figures.
Run by ``make tune`` after the training data changed; with the names of some readers
(``knowledge acts roles clauses styles safety sums``), only those.
"""

from __future__ import annotations

import sys

import yaml

from bot.catalog import load_catalog
from bot.datafiles import DATA_DIR
from bot.drafting import style
from bot.knowledge.retrieval import choose_settings
from bot.readers import (
    everyday_texts,
    styleless_texts,
    text_preparer,
    word_tokenizer,
)
from bot.understanding import clause_kinds, roles, safety_reader, sums
from bot.understanding.acts import choose_c

KNOWLEDGE_HEADER = ("# Chosen by scripts/tune_models.py (make tune): 5-fold cross-validation on\n"
                    "# the families' paraphrases and none.yml only. Do not edit by hand.\n")

ROLE_HEADER = ("# Chosen by scripts/tune_models.py (make tune): 5-fold cross-validation on the\n"
               "# role model's training data only (bot/understanding/roles.py).\n"
               "# Do not edit by hand.\n")


CLAUSE_HEADER = ("# Chosen by scripts/tune_models.py (make tune): 5-fold cross-validation on the\n"
                 "# clause model's training data only (bot/understanding/clause_kinds.py).\n"
                 "# Do not edit by hand, except the list of kinds.\n")
STYLE_HEADER = ("# Chosen by scripts/tune_models.py (make tune): 5-fold cross-validation on the\n"
                "# draft-style model's training data only (bot/drafting/style.py).\n"
                "# Do not edit by hand.\n")
SAFETY_HEADER = ("# Chosen by scripts/tune_models.py (make tune): 5-fold cross-validation on the\n"
                 "# safety reader's training data only (bot/understanding/safety_reader.py).\n"
                 "# Do not edit by hand, except the flags each situation raises.\n")
SUM_HEADER = ("# Chosen by scripts/tune_models.py (make tune): 5-fold cross-validation on the\n"
              "# sum reader's training data only (bot/understanding/sums.py).\n"
              "# Do not edit by hand.\n")
READERS = ("knowledge", "acts", "roles", "clauses", "styles", "safety", "sums")


def main(argv: list[str]) -> int:
    chosen = [name for name in argv[1:] if name in READERS] or list(READERS)
    catalog = load_catalog()
    prepare = text_preparer(catalog.mixed_language)
    words = word_tokenizer(catalog.data_dir / "dictionary" / "userdict.txt")
    if "knowledge" in chosen:
        tune_knowledge(catalog, prepare, words)
    if "acts" in chosen:
        tune_acts(catalog, prepare, words)
    if "roles" in chosen:
        tune_roles(catalog, prepare, words)
    if "sums" in chosen:
        tune_sums(catalog, prepare, words)
    if "clauses" in chosen:
        clause = clause_kinds.choose_settings(catalog.clauses, prepare, words)
        (DATA_DIR / "understanding" / "clause_model.yml").write_text(
            CLAUSE_HEADER + yaml.safe_dump(
                {"kinds": list(clause.kinds), "c": clause.c, "threshold": clause.threshold,
                 "cv_fact_recall": clause.cv_fact_recall,
                 "cv_fact_precision": clause.cv_fact_precision}, sort_keys=False),
            encoding="utf-8")
        print(f"clauses: C={clause.c} threshold={clause.threshold} "
              f"cv fact recall={clause.cv_fact_recall} precision={clause.cv_fact_precision}")
    if "styles" in chosen:
        tune_styles(catalog, prepare, words)
    if "safety" in chosen:
        tune_safety(catalog, prepare, words)
    return 0


def tune_styles(catalog, prepare, words) -> None:
    """The draft-style model's C and thresholds."""
    chosen = style.choose_settings(catalog.styles, styleless_texts(catalog), prepare, words)
    (DATA_DIR / "drafts" / "style_model.yml").write_text(STYLE_HEADER + yaml.safe_dump(
        {"c": chosen.c, "length_threshold": chosen.length_threshold,
         "tone_threshold": chosen.tone_threshold,
         "cv_length_accuracy": chosen.cv_length_accuracy,
         "cv_tone_accuracy": chosen.cv_tone_accuracy}, sort_keys=False), encoding="utf-8")
    print(f"styles: C={chosen.c} length threshold={chosen.length_threshold} "
          f"tone threshold={chosen.tone_threshold} cv length accuracy="
          f"{chosen.cv_length_accuracy} cv tone accuracy={chosen.cv_tone_accuracy}")


def tune_safety(catalog, prepare, words) -> None:
    """The safety reader's C and per-situation thresholds."""
    chosen = safety_reader.choose_settings(catalog.safety, everyday_texts(catalog), prepare,
                                           words)
    (DATA_DIR / "understanding" / "safety_model.yml").write_text(SAFETY_HEADER + yaml.safe_dump(
        {"flags": {name: list(flags) for name, flags in chosen.flags.items()},
         "c": chosen.c, "thresholds": dict(chosen.thresholds),
         "cv_recall": dict(chosen.cv_recall), "cv_false_alarms": dict(chosen.cv_false_alarms)},
        sort_keys=False, default_flow_style=None), encoding="utf-8")
    print(f"safety: C={chosen.c} thresholds={dict(chosen.thresholds)} "
          f"cv recall={dict(chosen.cv_recall)} cv false alarms={dict(chosen.cv_false_alarms)}")


def tune_knowledge(catalog, prepare, words) -> None:
    """The knowledge retrieval model's C and threshold."""
    settings = choose_settings(catalog.knowledge, prepare, words)
    path = DATA_DIR / "knowledge" / "model.yml"
    path.write_text(KNOWLEDGE_HEADER + yaml.safe_dump(
        {"c": settings.c, "balanced": settings.balanced, "threshold": settings.threshold,
         "folds": settings.folds, "cv_accuracy": settings.cv_accuracy}, sort_keys=False),
        encoding="utf-8")
    print(f"knowledge: C={settings.c} balanced={settings.balanced} "
          f"threshold={settings.threshold} cv accuracy={settings.cv_accuracy}")


def tune_acts(catalog, prepare, words) -> None:
    """The dialogue-act model's C."""
    c, accuracy = choose_c(catalog.acts, prepare, words)
    acts_path = DATA_DIR / "understanding" / "acts_model.yml"
    raw = yaml.safe_load(acts_path.read_text(encoding="utf-8"))
    raw.update(c=c, cv_accuracy=accuracy)
    head = "".join(line for line in acts_path.read_text(encoding="utf-8").splitlines(True)
                   if line.startswith("#"))
    acts_path.write_text(head + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True),
                         encoding="utf-8")
    print(f"acts: C={c} cv accuracy={accuracy}")


def tune_roles(catalog, prepare, words) -> None:
    """The role model's C and threshold."""
    role = roles.choose_settings(catalog.knowledge, catalog.acts, catalog.roles, prepare, words)
    (DATA_DIR / "understanding" / "role_model.yml").write_text(ROLE_HEADER + yaml.safe_dump(
        {"c": role.c, "threshold": role.threshold, "cv_recall": role.cv_recall,
         "cv_wrong": role.cv_wrong}, sort_keys=False), encoding="utf-8")
    print(f"roles: C={role.c} threshold={role.threshold} cv recall={role.cv_recall} "
          f"cv wrong={role.cv_wrong}")


def tune_sums(catalog, prepare, words) -> None:
    """The sum reader's C."""
    chosen = sums.choose_settings(catalog.sums, prepare, words, catalog.mixed_language)
    (DATA_DIR / "understanding" / "sum_model.yml").write_text(SUM_HEADER + yaml.safe_dump(
        {"c": chosen.c, "cv_accuracy": chosen.cv_accuracy,
         "cv_demand_recall": chosen.cv_demand_recall,
         "cv_demand_precision": chosen.cv_demand_precision}, sort_keys=False),
        encoding="utf-8")
    print(f"sums: C={chosen.c} cv accuracy={chosen.cv_accuracy} demand recall="
          f"{chosen.cv_demand_recall} precision={chosen.cv_demand_precision}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
