"""A linear classifier for short Chinese texts over character and word n-grams, and its
cross-validation.

Both trained readers of a turn (the knowledge base's retrieval and the dialogue acts) are
this model: TF-IDF over character 1–3-grams (robust to typos and missing punctuation) and
over word 1–2-grams (jieba with the domain dictionary), optionally with a second text (the
assistant's previous message) as its own feature block, and a linear SVM (one class against
the rest). Its scores are margins: a class is taken when it ranks first and its margin
reaches a threshold chosen by cross-validation. Texts are normalized by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

Tokenize = Callable[[str], list[str]]
SMALL = 200  # below this many examples, keep rare character n-grams too


@dataclass
class TextClassifier:
    """Fit on (text, label) pairs, optionally with a context text per example."""

    c: float = 0.5
    words: Tokenize | None = None
    balanced: bool = False  # weigh classes by the inverse of their example counts
    with_context: bool = False
    _vectorizers: list[TfidfVectorizer] = field(default_factory=list)
    _context: TfidfVectorizer | None = None
    _model: LinearSVC | None = None
    _weights: np.ndarray | None = None
    _intercept: np.ndarray | None = None
    _classes: list[str] = field(default_factory=list)

    def _features(self, texts: Sequence[str], contexts: Sequence[str] | None, fit: bool):
        if fit:
            self._vectorizers = [TfidfVectorizer(analyzer="char", ngram_range=(1, 3),
                                                 sublinear_tf=True,
                                                 min_df=1 if len(texts) < SMALL else 2)]
            if self.words is not None:
                self._vectorizers.append(TfidfVectorizer(
                    tokenizer=self.words, token_pattern=None, lowercase=False,
                    ngram_range=(1, 2), sublinear_tf=True,
                    min_df=1 if len(texts) < SMALL else 2))
            if self.with_context:
                self._context = TfidfVectorizer(analyzer="char", ngram_range=(1, 2),
                                                sublinear_tf=True)
        blocks = [v.fit_transform(texts) if fit else v.transform(texts)
                  for v in self._vectorizers]
        if self._context is not None:
            ctx = list(contexts or [""] * len(texts))
            blocks.append(self._context.fit_transform(ctx) if fit
                          else self._context.transform(ctx))
        return hstack(blocks).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            contexts: Sequence[str] | None = None) -> TextClassifier:
        """Train on the examples; returns self."""
        features = self._features(texts, contexts, fit=True)
        self._model = LinearSVC(C=self.c, class_weight="balanced" if self.balanced else None
                                ).fit(features, list(labels))
        # float32 weights, kept transposed: half the memory (a class per knowledge family)
        # and no per-call conversion of the weight matrix
        self._weights = np.ascontiguousarray(self._model.coef_.T, dtype=np.float32)
        self._intercept = self._model.intercept_.astype(np.float32)
        self._model.coef_ = np.empty((0, 0))
        self._classes = [str(c) for c in self._model.classes_]  # built once: read every turn
        return self

    @property
    def classes(self) -> list[str]:
        assert self._model is not None, "fit() first"
        return self._classes

    def scores(self, texts: Sequence[str], contexts: Sequence[str] | None = None
               ) -> np.ndarray:
        """One row of class margins per text (columns in ``classes`` order)."""
        assert self._model is not None, "fit() first"
        features = self._features(texts, contexts, fit=False).astype(np.float32)
        margins = np.atleast_2d(features @ self._weights + self._intercept)
        if margins.shape[1] == 1:  # two classes: one margin, for the second class
            margins = np.hstack([-margins, margins])
        return margins


def cross_validated(make: Callable[[], TextClassifier], texts: Sequence[str],
                    labels: Sequence[str], contexts: Sequence[str] | None = None,
                    folds: int = 5, seed: int = 7) -> tuple[list[str], np.ndarray]:
    """Out-of-fold class margins for every example: (class names, one row each). Classes
    missing from a training fold get the lowest margin in that fold's rows."""
    labels = list(labels)
    classes = sorted(set(labels))
    index = {name: i for i, name in enumerate(classes)}
    out = np.full((len(texts), len(classes)), -np.inf)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        model = make().fit([texts[i] for i in train], [labels[i] for i in train],
                           None if contexts is None else [contexts[i] for i in train])
        margins = model.scores([texts[i] for i in test],
                               None if contexts is None else [contexts[i] for i in test])
        columns = [index[name] for name in model.classes]
        for row, i in enumerate(test):
            out[i, columns] = margins[row]
    return classes, out
