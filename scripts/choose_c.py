"""Choose the intent classifier's C by 5-fold cross-validation on the training data only.

The features follow the pipeline in config.yml: the text normalized (Traditional to
Simplified, full-width to half-width, English shopping words and emoji read by
bot.mixed_language), cut by jieba with the domain dictionary; four blocks, each TF-IDF
(sublinear) scaled to unit length on its own (``tfidf_per_featurizer``): character
1-4-grams over the cut text, jieba's words (one character or more), character 1-4-grams
over the message itself, pinyin syllable 1-3-grams of the message; class-balanced
logistic regression. ``FOLDS`` in the environment sets the folds (default 5). The blind
test set is never read. Prints, for each C, the out-of-fold accuracy and, for each
fallback threshold, the accuracy and the utility (+1 right intent, -1 wrong, 0 fallback);
put the best C and the threshold of the best utility in config.yml.

Run: .venv/bin/python scripts/choose_c.py [C ...]
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CANDIDATES = (10.0, 30.0, 100.0)
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3)
FOLDS = int(os.environ.get("FOLDS", "5"))
SEED = 2026


def main(argv: list[str]) -> int:
    import jieba
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import FeatureUnion, make_pipeline

    from bot.chinese_forms import normalize
    from bot.mixed_language import load_mixed_language
    from bot.nlu.message_pinyin import pinyin_text
    from scripts.eval_nlu import TRAIN_DIR, read_split

    warnings.filterwarnings("ignore")
    jieba.setLogLevel(60)
    jieba.load_userdict(str(ROOT / "data" / "dictionary" / "userdict.txt"))
    mixed = load_mixed_language()
    examples = read_split(TRAIN_DIR)
    def both(text: str) -> str:
        """The cut text, the message itself (spaces collapsed) and its pinyin, tab-separated."""
        read = mixed.read(normalize(text)).lower()
        cut = " ".join(w for w in jieba.lcut(read) if w.strip())
        message = " ".join(read.split())
        return cut + "\t" + message + "\t" + pinyin_text(message)

    def cut_part(text: str) -> str:
        return text.split("\t")[0]

    def message_part(text: str) -> str:
        return text.split("\t")[1]

    def pinyin_part(text: str) -> str:
        return text.split("\t")[2]

    texts = [both(text) for text, _ in examples]
    intents = [intent for _, intent in examples]
    for c in [float(value) for value in argv[1:]] or CANDIDATES:
        model = make_pipeline(
            FeatureUnion([
                ("cut_chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 4),
                                              sublinear_tf=True, preprocessor=cut_part)),
                ("words", TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b",
                                          sublinear_tf=True, preprocessor=cut_part)),
                ("message_chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 4),
                                                  sublinear_tf=True,
                                                  preprocessor=message_part)),
                ("pinyin", TfidfVectorizer(analyzer="word", token_pattern=r"\S+",
                                           ngram_range=(1, 3), sublinear_tf=True,
                                           lowercase=False, preprocessor=pinyin_part)),
            ]),
            LogisticRegression(class_weight="balanced", C=c, max_iter=1000))
        probs = cross_val_predict(model, texts, intents, method="predict_proba",
                                  cv=StratifiedKFold(FOLDS, shuffle=True, random_state=SEED))
        labels = np.array(intents)
        predicted = np.array(sorted(set(intents)))[probs.argmax(1)]
        print(f"C {c:g}: accuracy {(predicted == labels).mean():.4f} over {FOLDS} folds",
              flush=True)
        for threshold in THRESHOLDS:
            kept = probs.max(1) >= threshold
            right = int(((predicted == labels) & kept).sum())
            wrong = int(((predicted != labels) & kept).sum())
            print(f"  fallback {threshold:g}: accuracy {right / len(labels):.4f}, utility "
                  f"{(right - wrong) / len(labels):.4f}, {int((~kept).sum())} fallbacks",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
