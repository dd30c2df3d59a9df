"""A learned re-ranking of a question's first passages: features any corpus has, one
linear model.

A question typed in the search box (``is_question``: it ends with a question mark, or
it is long) is first ranked as every query is (``search.relax``: the steps, then the
question reading's BM25 with roots). BM25 sums what each word brings; it does not see
how much of the question a passage covers, whether it holds the exact words typed, or
whether they stand together. The first ``DEPTH`` passages are re-ordered by a linear
score over those signals, each one a share or a ratio so that it means the same on
another corpus:

- ``score``: log(1 + the passage's BM25 per question word);
- ``relative``: its BM25 over the best candidate's;
- ``rank``: 1 / (1 + its place in the engine's order);
- ``all_words``: it holds every word (steps phrase, all, neighbours);
- ``cover``: the share of the question's IDF mass (one IDF per word, from the passages
  its stem or root group matches) that the passage holds by stem or root;
- ``stem_cover``: the same by stem only;
- ``exact_cover``: the same for the exact forms typed;
- ``word_share``: the share of the question's words it holds (unweighted);
- ``window``: the IDF share held within the best ``WINDOW`` consecutive words (by stem);
- ``length``: log of its length over the index's average;
- ``learned``: its roots' association with the question's (``search.associations``:
  related roots learned from questions and their answers; 0 without a root table);
- ``base``: the passage's BM25 per question word itself (``score`` before the log).

The weights are fitted by ``fit`` (pairwise logistic regression, L2, Newton steps:
numpy only, a dozen weights need no library) on questions and their relevant passages;
``bench/cv.py`` measures the procedure by cross-validation on Qur'an QA 2023 and
``bench/fit_rerank.py DATA --out DIR`` fits a model and its root table and writes them
to ``DIR`` (``save``). Nothing fitted ships in the package (Qur'an QA 2023 is CC
BY-NC-ND 4.0: no derivatives): a user fits a model and points ``Ranking.rerank_model``
at its folder; ``load`` reads it once per path.

A re-ranked hit keeps the step that found it; scores are handed out again in the new
order (the candidates' own scores, sorted), so the first hit's score per word, which a
no-answer threshold reads, is the same as before re-ranking.

>>> is_question("ما هي الآيات التي تتحدث عن الصبر؟")
True
>>> is_question("الصبر على البلاء")
False
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .arabic import QUESTION_MARKS
from .associations import TABLE_FILE, Associations, content_roots
from .errors import SearchError
from .plan import Any as AnyNode
from .plan import Words
from .ranking import idf

FEATURES = ("score", "relative", "rank", "all_words", "cover", "stem_cover", "exact_cover",
            "word_share", "window", "length", "learned", "base")
#: Passages re-ranked per question (the rest keep the engine's order after them).
DEPTH = 20
#: Words in the proximity window.
WINDOW = 12
#: A query of this many words or more is read as a question even without a question mark.
QUESTION_LENGTH = 9
#: Features read from the question's word groups in each passage.
_WORD_FEATURES = ("cover", "stem_cover", "exact_cover", "word_share", "window")
#: Steps where a passage holds every word.
_ALL_STEPS = frozenset({"phrase", "all", "neighbours"})
#: The model's file in a re-ranking folder (``save``, ``load``); the root table beside it
#: is ``associations.TABLE_FILE``.
MODEL_FILE = "rerank_model.json"


def is_question(query: str) -> bool:
    """Is ``query`` a question in natural language (the re-ranking applies)?"""
    text = query.strip()
    return text.endswith(QUESTION_MARKS) or len(text.split()) >= QUESTION_LENGTH


@dataclass(frozen=True)
class Model:
    """score = sum(weights * (x - mean) / scale) over ``features``."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]

    def score(self, values: np.ndarray) -> np.ndarray:
        columns = [FEATURES.index(name) for name in self.features]
        standard = (values[:, columns] - np.array(self.mean)) / np.array(self.scale)
        return standard @ np.array(self.weights)

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights)}

    @classmethod
    def from_dict(cls, data: dict) -> "Model":
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]),
                   tuple(data["weights"]))


@dataclass(frozen=True)
class Learned:
    """A fitted re-ranking: its model and the related-root table its ``learned``
    feature reads (None when the model does not read it)."""

    model: Model
    related: Associations | None


def save(folder, model: Model, related: Associations | None, header: str = "") -> Path:
    """Write ``model`` (``MODEL_FILE``) and ``related`` (``associations.TABLE_FILE``, each
    line of ``header`` as a ``#`` comment first) into ``folder``; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_text(json.dumps(model.to_dict(), indent=1) + "\n",
                                     encoding="utf-8")
    if related is not None:
        comments = "".join(f"# {line}\n" for line in header.splitlines())
        (folder / TABLE_FILE).write_text(comments + related.to_text(), encoding="utf-8")
    return folder


def load(path) -> Learned:
    """The re-ranking at ``path``: a folder holding ``MODEL_FILE`` (and
    ``associations.TABLE_FILE`` if the model reads ``learned``), or the model's file
    itself with the table beside it. Read once per path, then shared (read-only).
    Raises ``SearchError("rerank_model_unreadable")`` when it cannot be read or is
    malformed."""
    return _load(os.path.abspath(os.path.expanduser(os.fspath(path))))


@lru_cache(maxsize=8)
def _load(path: str) -> Learned:
    given = Path(path)
    model_file = given / MODEL_FILE if given.is_dir() else given
    table_file = model_file.parent / TABLE_FILE

    def fail(reason: str):
        return SearchError("rerank_model_unreadable", path=path, reason=reason)

    try:
        data = json.loads(model_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail(error.strerror or type(error).__name__) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise fail(f"{model_file.name}: {error}") from None
    try:
        model = Model.from_dict(data)
        sizes = {len(model.features), len(model.mean), len(model.scale), len(model.weights)}
        unknown = [name for name in model.features if name not in FEATURES]
        numbers = [float(x) for x in model.mean + model.scale + model.weights]
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        raise fail(f"{model_file.name}: not a re-ranking model ({error!r})") from None
    if unknown:
        raise fail(f"{model_file.name}: unknown features {', '.join(map(str, unknown))}")
    if len(sizes) != 1 or not model.features:
        raise fail(f"{model_file.name}: features, mean, scale and weights differ in length")
    if not all(math.isfinite(x) for x in numbers) or any(x == 0 for x in model.scale):
        raise fail(f"{model_file.name}: a number is not finite, or a scale is 0")
    model = Model(tuple(model.features), *(tuple(float(x) for x in part) for part in
                                           (model.mean, model.scale, model.weights)))
    related = None
    if "learned" in model.features:
        try:
            related = Associations.from_text(table_file.read_text(encoding="utf-8"))
        except OSError as error:
            raise fail(f"{TABLE_FILE}: {error.strerror or type(error).__name__}") from None
        except (UnicodeDecodeError, ValueError) as error:
            raise fail(f"{TABLE_FILE}: {error}") from None
    return Learned(model, related)


def fit(questions, features=FEATURES, l2: float = 1.0, iterations: int = 50) -> Model:
    """Fit a model on ``questions``: (feature matrix, relevance labels) per question.

    Every (relevant, other) pair of a question's candidates is one example that the
    relevant passage should score higher; each question weighs 1 in all, whatever its
    number of pairs. Questions without both kinds teach nothing and are skipped.
    """
    columns = [FEATURES.index(name) for name in features]
    stacked = np.vstack([values[:, columns] for values, _ in questions])
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale[scale == 0] = 1.0
    differences, weights = [], []
    for values, labels in questions:
        standard = (values[:, columns] - mean) / scale
        good, bad = np.flatnonzero(labels > 0), np.flatnonzero(labels <= 0)
        if not len(good) or not len(bad):
            continue
        pairs = (standard[good][:, None, :] - standard[bad][None, :, :]).reshape(-1, len(columns))
        differences.append(pairs)
        weights.append(np.full(len(pairs), 1.0 / len(pairs)))
    w = np.zeros(len(columns))
    if differences:
        pairs, weight = np.vstack(differences), np.concatenate(weights)
        for _ in range(iterations):
            right = 1.0 / (1.0 + np.exp(-(pairs @ w)))
            gradient = -(pairs.T @ (weight * (1 - right))) + l2 * w
            hessian = (pairs.T * (weight * right * (1 - right))) @ pairs + l2 * np.eye(len(w))
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if np.abs(step).max() < 1e-9:
                break
    return Model(tuple(features), tuple(mean.tolist()), tuple(scale.tolist()),
                 tuple(w.tolist()))


def ascend(model: Model, questions, rounds: int = 3) -> Model:
    """``model`` improved by coordinate ascent on the mean of AP@10 and RR@10 over
    ``questions`` (relevance within the candidates): each weight in turn tried at
    several steps, the best kept (the pairwise loss is only a stand-in for the order
    that counts)."""
    weights = np.array(model.weights)
    best = _quality(replace(model, weights=tuple(weights)), questions)
    for _ in range(rounds):
        improved = False
        for number in range(len(weights)):
            size = max(abs(weights[number]), 0.1)
            for step in (-2.0, -1.0, -0.5, -0.25, 0.25, 0.5, 1.0, 2.0):
                trial = weights.copy()
                trial[number] += step * size
                quality = _quality(replace(model, weights=tuple(trial)), questions)
                if quality > best + 1e-9:
                    best, weights, improved = quality, trial, True
        if not improved:
            break
    return replace(model, weights=tuple(weights.tolist()))


def _quality(model: Model, questions) -> float:
    total, counted = 0.0, 0
    for values, labels in questions:
        if not labels.any():
            continue
        relevant = labels[order(model, values)[:10]] > 0
        found = np.cumsum(relevant)
        precision = found / np.arange(1, len(relevant) + 1)
        rank = np.flatnonzero(relevant)
        total += precision[relevant].sum() / labels.sum() + (1.0 / (rank[0] + 1) if len(rank) else 0.0)
        counted += 1
    return total / (2 * counted) if counted else 0.0


def order(model: Model, values: np.ndarray) -> np.ndarray:
    """Candidate positions, best first by ``model`` (ties keep the engine's order)."""
    scores = model.score(values)
    return np.lexsort((np.arange(len(scores)), -scores))


def candidates(engine, loose, found, depth: int = DEPTH, learned=None, wanted=FEATURES):
    """(passage numbers, their (passage, score, step) entries, feature matrix) of the
    first ``depth`` passages of ``found`` (``relax.Matches``), whose question reading is
    ``loose`` (a ``plan.Plan``: one unit per question word). ``learned``: (the index's
    root table, its analyzer, an ``associations.Associations``) for the learned
    feature, None to leave it 0. Features not in ``wanted`` may be left 0 (the word
    features cost a second evaluation of every word group, the window their positions)."""
    entries = found.ranked(depth, engine.columns.source_of)
    docnums = np.array([docnum for docnum, _score, _step in entries], dtype=np.int64)
    values = np.zeros((len(entries), len(FEATURES)))
    if not len(entries):
        return docnums, entries, values
    words = max(1, len(loose.words))
    base = np.array([score for _docnum, score, _step in entries]) / words
    values[:, 0] = np.log1p(np.maximum(base, 0.0))
    values[:, 11] = base
    values[:, 1] = base / base.max() if base.max() > 0 else 0.0
    values[:, 2] = 1.0 / (1.0 + np.arange(len(entries)))
    values[:, 3] = [step in _ALL_STEPS for _docnum, _score, step in entries]
    lengths = engine.columns.lengths[docnums]
    values[:, 9] = np.log(np.maximum(lengths, 1.0) / (engine.average_length or 1.0))
    if learned is not None and "learned" in wanted:
        table, analyzer, related = learned
        asked = content_roots((term for _typed, term in loose.words), table.root)
        for row, docnum in enumerate(docnums.tolist()):
            text = engine.stored_fields(docnum)["text"]
            holds = content_roots((token.text for token in analyzer(text)), table.root)
            values[row, 10] = related.score(asked, holds)
    if not set(wanted) & set(_WORD_FEATURES):
        return docnums, entries, values
    sorted_docs = np.sort(docnums)
    held, stem_held, exact_held, weights, stems = [], [], [], [], []
    count = max(1, int(engine.columns.live.sum()))
    for unit in loose.units:
        ids, _scores = engine.evaluate(unit)
        weights.append(idf(len(ids), count))
        held.append(np.isin(docnums, ids))
        stem = _stem_group(unit)
        stems.append(stem)
        stem_ids = engine.evaluate(stem)[0] if stem is not None else ids[:0]
        stem_held.append(np.isin(docnums, stem_ids))
        exact = _exact_form(stem)
        exact_ids = engine.postings(exact)[0] if exact else ids[:0]
        exact_held.append(np.isin(docnums, exact_ids))
    if not weights:
        return docnums, entries, values
    weight = np.array(weights)
    total = weight.sum() or 1.0
    values[:, 4] = (np.array(held).T @ weight) / total
    values[:, 5] = (np.array(stem_held).T @ weight) / total
    values[:, 6] = (np.array(exact_held).T @ weight) / total
    values[:, 7] = np.array(held).mean(axis=0)
    if "window" in wanted:
        values[:, 8] = _windows(engine, stems, weight, docnums, sorted_docs) / total
    return docnums, entries, values


def _stem_group(unit):
    """A question word's own stem group in its unit (``plan.Planner._word``: stem group
    first, then root group and related words)."""
    if isinstance(unit, AnyNode) and unit.children and isinstance(unit.children[0], Words):
        return unit.children[0]
    return unit if isinstance(unit, Words) else None


def _exact_form(stem) -> str | None:
    """The form typed: the one the stem group weighs most, if it weighs more than 1."""
    if stem is None or not stem.weights:
        return None
    best = int(np.argmax(stem.weights))
    return stem.forms[best] if stem.weights[best] > 1.0 else None


def _windows(engine, stems, weight, docnums, sorted_docs) -> np.ndarray:
    """Per candidate: the most IDF mass of distinct words within ``WINDOW`` positions."""
    events = []
    for number, stem in enumerate(stems):
        if stem is None:
            continue
        for form in stem.forms:
            docs, positions = engine.positions(form, sorted_docs)
            if len(docs):
                events.append(np.column_stack((docs, positions, np.full(len(docs), number))))
    best = np.zeros(len(docnums))
    if not events:
        return best
    table = np.vstack(events)
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    where = {int(d): i for i, d in enumerate(docnums.tolist())}
    starts = np.flatnonzero(np.r_[True, table[1:, 0] != table[:-1, 0]])
    ends = np.r_[starts[1:], len(table)]
    for start, end in zip(starts.tolist(), ends.tolist()):
        positions = table[start:end, 1].tolist()
        words = table[start:end, 2].tolist()
        inside: dict[int, int] = {}
        left, top = 0, 0.0
        for right in range(len(positions)):
            inside[words[right]] = inside.get(words[right], 0) + 1
            while positions[right] - positions[left] >= WINDOW:
                inside[words[left]] -= 1
                if not inside[words[left]]:
                    del inside[words[left]]
                left += 1
            top = max(top, float(sum(weight[w] for w in inside)))
        best[where[int(table[start, 0])]] = top
    return best


def rescored(entries, ranked_order) -> list[tuple[int, float, str]]:
    """``entries`` (passage, score, step) in ``ranked_order``, the scores handed out
    again in that order: the same values sorted, each strictly below the one before."""
    scores = sorted((score for _docnum, score, _step in entries), reverse=True)
    found, previous = [], math.inf
    for position, at in enumerate(ranked_order.tolist()):
        docnum, _score, step = entries[at]
        score = min(scores[position], previous - 1e-9 * max(1.0, abs(previous))) \
            if previous != math.inf else scores[position]
        found.append((docnum, score, step))
        previous = score
    return found
