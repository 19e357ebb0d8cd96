"""A character n-gram linear classifier for short Chinese texts, and its cross-validation.

Both trained readers of a turn (the knowledge base's retrieval and the dialogue acts) are
this model: TF-IDF over character 1–3-grams within word boundaries and over the whole
message's character 2–4-grams (robust to typos and missing punctuation), optionally with a
second text (the assistant's previous message) as its own feature block, and a multinomial
logistic regression. Texts are normalized (Simplified, half-width, lower case) by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def _vectorizers() -> list[TfidfVectorizer]:
    return [TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
            TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True,
                            min_df=2)]


@dataclass
class CharNgramClassifier:
    """Fit on (text, label) pairs, optionally with a context text per example."""

    c: float = 10.0
    with_context: bool = False
    _text: list[TfidfVectorizer] = field(default_factory=_vectorizers)
    _context: TfidfVectorizer | None = None
    _model: LogisticRegression | None = None

    def _features(self, texts: Sequence[str], contexts: Sequence[str] | None, fit: bool):
        blocks = [(v.fit_transform(texts) if fit else v.transform(texts)) for v in self._text]
        if self.with_context:
            if self._context is None:
                self._context = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2),
                                                sublinear_tf=True)
            ctx = list(contexts or [""] * len(texts))
            blocks.append(self._context.fit_transform(ctx) if fit
                          else self._context.transform(ctx))
        return hstack(blocks).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            contexts: Sequence[str] | None = None) -> CharNgramClassifier:
        """Train on the examples; returns self."""
        features = self._features(texts, contexts, fit=True)
        self._model = LogisticRegression(C=self.c, max_iter=300)
        self._model.fit(features, list(labels))
        return self

    @property
    def classes(self) -> list[str]:
        assert self._model is not None, "fit() first"
        return [str(c) for c in self._model.classes_]

    def probabilities(self, texts: Sequence[str], contexts: Sequence[str] | None = None
                      ) -> np.ndarray:
        """One row of class probabilities per text (columns in ``classes`` order)."""
        assert self._model is not None, "fit() first"
        return self._model.predict_proba(self._features(texts, contexts, fit=False))


def cross_validated(make: Callable[[], CharNgramClassifier], texts: Sequence[str],
                    labels: Sequence[str], contexts: Sequence[str] | None = None,
                    folds: int = 5, seed: int = 7) -> tuple[list[str], np.ndarray]:
    """Out-of-fold class probabilities for every example: (class names, one row each).
    Classes missing from a training fold get probability 0 in that fold's rows."""
    labels = list(labels)
    classes = sorted(set(labels))
    index = {name: i for i, name in enumerate(classes)}
    out = np.zeros((len(texts), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        model = make().fit([texts[i] for i in train], [labels[i] for i in train],
                           None if contexts is None else [contexts[i] for i in train])
        probs = model.probabilities([texts[i] for i in test],
                                    None if contexts is None else [contexts[i] for i in test])
        columns = [index[name] for name in model.classes]
        for row, i in enumerate(test):
            out[i, columns] = probs[row]
    return classes, out
