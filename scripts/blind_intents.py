"""Score the newest model and the plain baseline on a blind intent set, figures only.

    python scripts/blind_intents.py tests/nlu_blind/session9.yml [--misses FILE]

Prints accuracy overall and per subset, each intent's recall and the fallback count, for
the model and for the baseline trained in the same run on the same data
(``scripts/eval_nlu.train_baseline``). The misses themselves go only to ``--misses``, so a
first run can be recorded before any failure is read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.eval_nlu import (  # noqa: E402
    TRAIN_DIR,
    newest_model,
    predict_baseline,
    quiet_libraries,
    read_split,
    train_baseline,
)


def predict_with_model(model_path: Path, texts: list[str]) -> list[str]:
    import logging

    import structlog
    from rasa.core.agent import Agent

    # Rasa logs each parse (the text and its intent) at debug level: none of it is printed
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    agent = Agent.load(str(model_path))

    async def parse() -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    return asyncio.run(parse())


def rate(hits: list[bool]) -> float:
    return sum(hits) / len(hits) if hits else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("blind", type=Path)
    parser.add_argument("--misses", type=Path, help="where to write the model's misses")
    args = parser.parse_args()
    quiet_libraries()
    rows = yaml.safe_load(args.blind.read_text(encoding="utf-8"))
    texts, expected = [r["text"] for r in rows], [r["intent"] for r in rows]
    model_path = newest_model()
    if model_path is None:
        print("blind_intents: no model in models/: run `make train`", file=sys.stderr)
        return 1
    model = predict_with_model(model_path, texts)
    train = read_split(TRAIN_DIR)
    baseline_pipeline, _ = train_baseline([t for t, _ in train], [i for _, i in train])
    baseline = predict_baseline(baseline_pipeline, texts)
    right_m = [m == e for m, e in zip(model, expected, strict=True)]
    right_b = [b == e for b, e in zip(baseline, expected, strict=True)]
    print(f"model {model_path.name}, {len(train)} training examples, {len(rows)} messages")
    print(f"{'':<14}{'n':>4}  model  baseline")
    print(f"{'all':<14}{len(rows):>4}  {rate(right_m):.3f}  {rate(right_b):.3f}")
    by_subset: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_subset[row.get("subset", "-")].append(i)
    for subset, idx in sorted(by_subset.items()):
        print(f"{subset:<14}{len(idx):>4}  {rate([right_m[i] for i in idx]):.3f}  "
              f"{rate([right_b[i] for i in idx]):.3f}")
    print(f"fallbacks: model {sum(m == 'nlu_fallback' for m in model)}")
    print("recall by intent (model / baseline), lowest first:")
    by_intent: dict[str, list[int]] = defaultdict(list)
    for i, intent in enumerate(expected):
        by_intent[intent].append(i)
    recalls = sorted((rate([right_m[i] for i in idx]), rate([right_b[i] for i in idx]), name,
                      len(idx)) for name, idx in by_intent.items())
    for model_r, base_r, name, n in recalls:
        print(f"  {name:<22}{n:>4}  {model_r:.3f}  {base_r:.3f}")
    if args.misses:
        lines = [f"{e}\t{m}\t{row.get('subset')}\t{row['text']}"
                 for row, e, m in zip(rows, expected, model, strict=True) if e != m]
        args.misses.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
