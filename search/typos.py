"""What a typing mistake costs did-you-mean: weighted edits for Arabic.

A plain edit distance counts ترامب -> تماما (two unrelated letters) the same as
الرءيس -> الرئيس (a hamza on another seat). Readers make the second kind of mistake;
the first makes another word. So an edit costs less the likelier it is a slip:

1. Substituting letters of one group in ``CONFUSIONS`` costs that group's cost (the
   lowest, when two groups share a pair), each group with its reason.
2. Substituting neighbouring keys of the Arabic PC layout (``keyboard.ARABIC_ROWS``,
   left and right in a row) costs ``KEYBOARD_NEIGHBOUR``.
3. Leaving out or adding a letter of ``CHEAP_GAPS`` costs its cost; any other letter
   costs ``GAP``; any other substitution ``SUBSTITUTION``.
4. A word may differ by ``allowance(word)``: ``PER_LETTER`` per letter after the article,
   at most ``MOST``; words shorter than ``SHORTEST`` letters are never corrected.

The analyzer folds some of these pairs already (أ إ آ to ا, ة to ه, ى to ي): the table
still names them, so it says the whole rule and holds for any folding.

>>> substitution_cost("ء", "ئ"), substitution_cost("ر", "م")
(0.1, 1.0)
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations, pairwise

from .arabic import ARTICLE
from .keyboard import ARABIC_ROWS

SUBSTITUTION = 1.0
GAP = 1.0
KEYBOARD_NEIGHBOUR = 0.6

#: (letters, cost, reason): any two letters of a group swap for ``cost``.
CONFUSIONS: tuple[tuple[str, float, str], ...] = (
    ("اأإآءؤئ", 0.1, "the alef and hamza family: the hamza's seat (or the hamza itself) is "
                    "a spelling choice that many writers leave to the reader"),
    ("ةه", 0.2, "a final teh marbuta is written as heh by many (مدرسه), and sounds like one"),
    ("ةت", 0.3, "teh marbuta is a teh when the word goes on (مدرسة / مدرستك)"),
    ("هت", 0.4, "the ة/ه/ت family: one of them for another, through teh marbuta"),
    ("ىي", 0.2, "final alef maksura and yeh are written alike in Egypt and often online"),
    ("ضظ", 0.3, "one sound in most dialects"),
    ("ذزظ", 0.4, "said z in many dialects, and written as said"),
    ("سصث", 0.4, "said s in many dialects (ث in loanwords, ص emphatic)"),
    ("تط", 0.4, "plain and emphatic t"),
    ("حه", 0.5, "both h sounds; learners and loanwords mix them"),
)

#: (letters, cost, reason): leaving one of these letters out (or adding it) costs less.
CHEAP_GAPS: tuple[tuple[str, float, str], ...] = (
    ("اأإآء", 0.5, "a long vowel's alef and a hamza are often left out or added "
                  "(هاذا / هذا, مسؤول / مسئول / مسول)"),
)

#: Allowance per letter (after the article ال), at most MOST; none under SHORTEST letters.
PER_LETTER = 0.25
MOST = 2.0
SHORTEST = 3


def _substitutions() -> dict[tuple[str, str], float]:
    costs: dict[tuple[str, str], float] = {}

    def add(a: str, b: str, cost: float) -> None:
        for pair in ((a, b), (b, a)):
            costs[pair] = min(cost, costs.get(pair, SUBSTITUTION))

    for letters, cost, _reason in CONFUSIONS:
        for a, b in combinations(letters, 2):
            add(a, b, cost)
    for row in ARABIC_ROWS:
        for a, b in pairwise(row):
            add(a, b, KEYBOARD_NEIGHBOUR)
    return costs


#: (letter, letter) -> cost, both orders, for every pair cheaper than SUBSTITUTION.
SUBSTITUTIONS = _substitutions()
#: letter -> cost of leaving it out or adding it, where cheaper than GAP.
GAPS = {letter: cost for letters, cost, _ in CHEAP_GAPS for letter in letters}
#: The cheapest gap: how far a word's length may change within an allowance.
CHEAPEST_GAP = min([GAP, *GAPS.values()])


def substitution_cost(a: str, b: str) -> float:
    """What typing ``b`` for ``a`` costs (0 for the same letter)."""
    return 0.0 if a == b else SUBSTITUTIONS.get((a, b), SUBSTITUTION)


def gap_cost(letter: str) -> float:
    """What leaving ``letter`` out, or adding it, costs."""
    return GAPS.get(letter, GAP)


def allowance(word: str) -> float:
    """The weighted distance a correction of ``word`` may be at: grows with its length
    (the article not counted), zero for words shorter than SHORTEST letters.

    >>> allowance("ترامب"), allowance("الدفاغ"), allowance("من")
    (1.25, 1.0, 0.0)
    """
    letters = len(word) - (len(ARTICLE) if word.startswith(ARTICLE) and len(word) > 4 else 0)
    if letters < SHORTEST:
        return 0.0
    return min(MOST, PER_LETTER * letters)


@lru_cache(maxsize=4096)
def distance(a: str, b: str) -> float:
    """The weighted edit distance from ``a`` to ``b`` (the reference the vectorised one
    in ``search.suggest`` must agree with).

    >>> distance("الرءيس", "الرئيس"), distance("بوتن", "بوتين"), distance("زرافه", "زياره")
    (0.1, 1.0, 2.0)
    """
    previous = [0.0]
    for letter in b:
        previous.append(previous[-1] + gap_cost(letter))
    for ca in a:
        current = [previous[0] + gap_cost(ca)]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + gap_cost(ca), current[j - 1] + gap_cost(cb),
                               previous[j - 1] + substitution_cost(ca, cb)))
        previous = current
    return round(previous[-1], 4)
