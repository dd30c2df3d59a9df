"""The wrong keyboard layout: Arabic typed on a Latin keyboard, or the reverse.

One table, ``KEYS``: each key of a US (QWERTY) keyboard with the character it types on
the standard Arabic PC layout (Arabic 101), unshifted and shifted. ``s,vdh`` is سوريا
typed with the Latin layout on; اثممخ is ``hello`` typed with the Arabic layout on. Keys whose character is the same on both layouts
(digits, ``-``, ``*``, ``"``, space) are not in the table and are left as they are, so
query syntax survives the mapping.

>>> to_arabic("s,vdh")
'سوريا'
>>> to_latin("اثممخ")
'hello'
"""

from __future__ import annotations

import re

#: (US key, Arabic character) for every key that types a different character, row by
#: row from the top, left to right, then the same rows shifted. ``b`` types the lam-alef
#: ligature (two letters), ``T``, ``G`` and ``B`` its hamza and madda forms.
KEYS: tuple[tuple[str, str], ...] = (
    ("`", "ذ"),
    ("q", "ض"), ("w", "ص"), ("e", "ث"), ("r", "ق"), ("t", "ف"), ("y", "غ"), ("u", "ع"),
    ("i", "ه"), ("o", "خ"), ("p", "ح"), ("[", "ج"), ("]", "د"),
    ("a", "ش"), ("s", "س"), ("d", "ي"), ("f", "ب"), ("g", "ل"), ("h", "ا"), ("j", "ت"),
    ("k", "ن"), ("l", "م"), (";", "ك"), ("'", "ط"),
    ("z", "ئ"), ("x", "ء"), ("c", "ؤ"), ("v", "ر"), ("b", "لا"), ("n", "ى"), ("m", "ة"),
    (",", "و"), (".", "ز"), ("/", "ظ"),
    # shifted
    ("~", "\u0651"),  # shadda
    ("Q", "\u064e"), ("W", "\u064b"), ("E", "\u064f"), ("R", "\u064c"), ("T", "لإ"),
    ("Y", "إ"), ("U", "\u2018"), ("I", "÷"), ("O", "×"), ("P", "؛"),
    ("A", "\u0650"), ("S", "\u064d"), ("D", "]"), ("F", "["), ("G", "لأ"), ("H", "أ"),
    ("J", "\u0640"), ("K", "،"), ("L", "/"),
    ("X", "\u0652"), ("C", "}"), ("V", "{"), ("B", "لآ"), ("N", "آ"), ("M", "\u2019"),
    ("?", "؟"),
)

#: The Arabic layout's letter keys, row by row as on the keyboard (right to left for an
#: Arabic reader, left to right as keys): ``search.typos`` takes neighbouring keys from here.
ARABIC_ROWS: tuple[str, ...] = (
    "ضصثقفغعهخحجد",
    "شسيبلاتنمكط",
    "ئءؤرىةوزظ",  # لا (the b key) sits between ر and ى: not one letter, left out
)

_TO_ARABIC = str.maketrans({latin: arabic for latin, arabic in KEYS})
_TO_LATIN = {arabic: latin for latin, arabic in KEYS}
# Longest first, so the lam-alef ligatures are read before a lone lam.
_ARABIC_KEYS = re.compile("|".join(re.escape(a) for a in sorted(_TO_LATIN, key=len, reverse=True)))
LATIN_KEYS = frozenset(latin for latin, _ in KEYS)
ARABIC_KEYS = frozenset(_TO_LATIN)


def to_arabic(text: str) -> str:
    """What ``text``, typed with the Latin layout on, types on the Arabic layout.

    >>> to_arabic("hgrvNk")
    'القرآن'
    """
    return text.translate(_TO_ARABIC)


def to_latin(text: str) -> str:
    """What ``text``, typed with the Arabic layout on, types on the US layout (a typed
    لا reads as the ``b`` key, the usual way to type it).

    >>> to_latin("ةشامثق")
    'mahler'
    """
    return _ARABIC_KEYS.sub(lambda m: _TO_LATIN[m.group()], text)
