"""Related roots learned from questions and the passages that answer them.

A question asks about الصبر; a passage answering it tells the story of Job (أيوب، مسني
الضر). No stemmer joins them and the 1,266 passages of the Qur'an QA collection do not
either (their co-occurring roots are formulas: ``search.related``). Questions with their judged
passages do: over the training questions holding a root ``a``, a root ``r`` that the
relevant passages hold more often than passages in general is related to ``a``:

    weight(a, r) = (mean over questions with a of the share of their relevant passages
                    holding r  -  share of all passages holding r) * ln(N / df(r))

kept when positive, the ``KEEP`` best per ``a``. A passage's association with a
question is the sum of the weights of (question root, passage root) pairs, over the
question's roots (``Associations.score``). Roots are content words' roots (common
words left out); the table holds the topics of the judged answers, so it helps questions
on those topics, on this collection or another text of it. It is a feature of the
question re-ranking (``search.rerank``), on indexes built with roots.
``bench/fit_rerank.py DATA --out DIR`` fits a table (``DIR/associations.tsv``) with the
model; ``bench/cv.py`` refits it inside each fold. No table ships in the package.

>>> table = Associations({"صبر": {"بلو": 0.5}})
>>> table.score({"صبر"}, {"بلو", "قول"})
0.5
"""

from __future__ import annotations

import math

from .analysis import default_stopwords

#: Related roots kept per question root.
KEEP = 50
TABLE_FILE = "associations.tsv"


class Associations:
    """question root -> {related root: weight}; read-only once made, shared by threads."""

    def __init__(self, table: dict[str, dict[str, float]]):
        self.table = table

    def score(self, question_roots, passage_roots) -> float:
        """The association of a passage's roots with a question's, per question root."""
        if not question_roots:
            return 0.0
        total = 0.0
        for root in question_roots:
            related = self.table.get(root)
            if related:
                total += sum(related.get(other, 0.0) for other in passage_roots)
        return total / len(question_roots)

    def strongest(self, question_roots, passage_roots) -> tuple[str, str] | None:
        """(question root, passage root) of the heaviest pair, None if no pair counts:
        what a hit is "related to"."""
        best, found = 0.0, None
        for root in sorted(question_roots):
            related = self.table.get(root, {})
            for other in sorted(passage_roots):
                if related.get(other, 0.0) > best:
                    best, found = related[other], (root, other)
        return found

    @classmethod
    def fit(cls, examples, passages, keep: int = KEEP) -> "Associations":
        """Learn the table from ``examples``: (question roots, [roots of each relevant
        passage]) pairs; ``passages`` are the root sets of every passage of the
        collection (how common a root is)."""
        count = len(passages) or 1
        frequency: dict[str, int] = {}
        for roots in passages:
            for root in roots:
                frequency[root] = frequency.get(root, 0) + 1
        sums: dict[str, dict[str, float]] = {}
        asked: dict[str, int] = {}
        for question_roots, relevant in examples:
            if not relevant:
                continue
            share: dict[str, float] = {}
            for roots in relevant:
                for root in roots:
                    share[root] = share.get(root, 0.0) + 1.0 / len(relevant)
            for root in question_roots:
                asked[root] = asked.get(root, 0) + 1
                row = sums.setdefault(root, {})
                for other, value in share.items():
                    row[other] = row.get(other, 0.0) + value
        table = {}
        for root, row in sums.items():
            weights = {}
            for other, value in row.items():
                seen = frequency.get(other, 0)
                lift = value / asked[root] - seen / count
                if lift > 0 and seen:
                    weights[other] = lift * math.log(count / seen)
            best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:keep]
            if best:
                table[root] = dict(best)
        return cls(table)

    def to_text(self) -> str:
        """One line per pair: ``root<TAB>related root<TAB>weight``."""
        return "".join(f"{root}\t{other}\t{weight:.6f}\n"
                       for root in sorted(self.table)
                       for other, weight in sorted(self.table[root].items()))

    @classmethod
    def from_text(cls, text: str) -> "Associations":
        table: dict[str, dict[str, float]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if line and not line.startswith("#"):
                try:
                    root, other, weight = line.split("\t")
                    table.setdefault(root, {})[other] = float(weight)
                except ValueError:
                    raise ValueError(f"line {number}: not root<TAB>root<TAB>weight") from None
        return cls(table)


def content_roots(terms, root) -> frozenset[str]:
    """The roots (``root``: a normalised form's root) of index terms, common words out."""
    common = default_stopwords()
    return frozenset(root(term) for term in terms if term not in common and len(term) > 1)
