"""Choose the intent classifier's C by 5-fold cross-validation on the training data only.

The features follow the pipeline in config.yml: the text normalized (Traditional to
Simplified, full-width to half-width, English shopping words and emoji read by
bot.mixed_language), cut by jieba with the domain dictionary; three blocks, each TF-IDF
(sublinear) scaled to unit length on its own (``tfidf_per_featurizer``): character
1-4-grams over the cut text, jieba's words (one character or more), character 1-4-grams
over the message itself; class-balanced logistic regression. The blind test set is never
read. Prints the mean accuracy of each C; put the best one in config.yml.

Run: .venv/bin/python scripts/choose_c.py [C ...]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CANDIDATES = (3.0, 10.0, 30.0, 100.0)
FOLDS = 5
SEED = 2026


def main(argv: list[str]) -> int:
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import FeatureUnion, make_pipeline

    from bot.chinese_forms import normalize
    from bot.mixed_language import load_mixed_language
    from scripts.eval_nlu import TRAIN_DIR, read_split

    warnings.filterwarnings("ignore")
    jieba.setLogLevel(60)
    jieba.load_userdict(str(ROOT / "data" / "dictionary" / "userdict.txt"))
    mixed = load_mixed_language()
    examples = read_split(TRAIN_DIR)
    def both(text: str) -> str:
        """The cut text and the message itself (spaces collapsed), tab-separated."""
        read = mixed.read(normalize(text)).lower()
        cut = " ".join(w for w in jieba.lcut(read) if w.strip())
        return cut + "\t" + " ".join(read.split())

    def cut_part(text: str) -> str:
        return text.split("\t")[0]

    def message_part(text: str) -> str:
        return text.split("\t")[1]

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
            ]),
            LogisticRegression(class_weight="balanced", C=c, max_iter=1000))
        scores = cross_val_score(model, texts, intents, cv=StratifiedKFold(
            FOLDS, shuffle=True, random_state=SEED))
        print(f"C {c:g}: mean accuracy {scores.mean():.4f} over {FOLDS} folds", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
