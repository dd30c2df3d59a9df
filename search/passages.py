"""Corpus files -> decoded text -> passages: the first step of indexing.

A passage is what the index stores and a search returns, so it must be small enough to read
as one hit and must point back into its file (``decoded[start:end] == text``).

Decoding rules (``decode_bytes``), in order:

1. A byte-order mark names the encoding (UTF-32, UTF-8, UTF-16 LE/BE); the mark is dropped.
2. Without a mark, UTF-16 shows in its high bytes: Latin and Arabic are U+00xx and U+06xx, so
   nearly every other byte is 0x00 or 0x06, bytes that single-byte text almost never holds.
3. Valid UTF-8 (plain ASCII included) is UTF-8.
4. Mostly valid UTF-8 is UTF-8 too: at least one valid non-ASCII character and at most one
   invalid byte sequence for every UTF8_MIN_VALID_PER_INVALID valid ones (a few bytes broken
   in transfer, a truncated last character). The bad sequences become U+FFFD and
   ``decode_text`` counts them, so indexing can warn. (Arabic in Windows-1256 is almost all
   invalid UTF-8: a lead byte is rarely followed by continuation bytes.)
5. Anything else is Windows-1256 or ISO-8859-6, whichever reads more like Arabic.
6. A NUL, or more than BINARY_CONTROL_SHARE of C0 controls other than \\t \\n \\r \\f, means binary:
   UndecodableFileError. (cp1256 decodes any bytes; this check keeps images out of the index.)
7. CRLF and lone CR become "\\n"; spans index the text AFTER this step. Nothing else changes:
   no Unicode normalisation (the analyzer does that), so snippets show the original.

Splitting decoded text into passages is ``search.splitter.split_passages`` (its rules are there).
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path

from search.corpus import iter_corpus_files  # noqa: F401 (callers have long imported it from here)
from search.arabic import ARABIC_LETTER_PATTERN, ARTICLE
from search.errors import SearchError

#: Messages about decoded files, in one place (``{name}`` fields filled by ``str.format``).
MESSAGES = {
    "replaced_bytes": "not all valid UTF-8: {count} invalid byte sequence(s) replaced by \ufffd",
}
BINARY_CONTROL_SHARE = 0.05  # random bytes hold ~11% C0 controls; text holds almost none

# UTF-32 first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
UTF8_MIN_VALID_PER_INVALID = 4  # cp1256 Arabic read as UTF-8: under 1 valid per 10 invalid
LEGACY_ENCODINGS = ("cp1256", "iso8859-6")  # on a tie the first wins: cp1256 is far more common
# Arabic text never has C1 controls or accented Latin letters; a wrong code page is full of them.
_UNLIKELY = re.compile("[\u0080-\u009f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r\f")


class UndecodableFileError(SearchError):
    """A corpus file is binary or not text we can decode; ``str()`` names the file and the reason."""

    def __init__(self, reason: str, source: str | None = None):
        super().__init__("file_unreadable", source=source or "", reason=reason)
        self.reason, self.source = reason, source

    def __reduce__(self):
        return type(self), (self.reason, self.source)


@dataclass(frozen=True)
class Passage:
    """One searchable piece of a corpus file; ``start``/``end`` index the decoded file text."""

    source: str  # path relative to the corpus root, POSIX separators
    number: int  # 1-based, in file order
    text: str
    start: int
    end: int
    title: str | None  # the file's title, the same on every passage of the file


@dataclass(frozen=True)
class DecodedText:
    """A corpus file's text, its Python codec name, and how many invalid byte sequences
    were replaced by U+FFFD (rule 4; 0 otherwise)."""

    text: str
    encoding: str
    replaced: int = 0


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a corpus file's bytes by the rules above; return (text, Python codec name).

    ``data.decode(name)`` gives the text before line endings are normalised (with
    ``errors="replace"`` for mostly valid UTF-8: ``decode_text`` says how much was replaced).
    Raises UndecodableFileError("binary file") for binary data.

    >>> decode_bytes("السلام عليكم\\r\\n".encode("cp1256"))
    ('السلام عليكم\\n', 'cp1256')
    """
    decoded = decode_text(data)
    return decoded.text, decoded.encoding


def decode_text(data: bytes) -> DecodedText:
    """``decode_bytes``, with the count of replaced byte sequences.

    >>> decode_text("خبر عاجل ".encode("utf-8") + b"\\xff")
    DecodedText(text='خبر عاجل \ufffd', encoding='utf-8', replaced=1)
    """
    text, encoding, replaced = _decode(data)
    if "\x00" in text or len(text) - len(text.translate(_CONTROLS)) > BINARY_CONTROL_SHARE * len(text):
        raise UndecodableFileError("binary file")
    return DecodedText(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, replaced)


def _decode(data: bytes) -> tuple[str, str, int]:
    # A BOM first (UTF-16-LE text starting with U+0000 looks like UTF-32, hence a list), then
    # UTF-16 guessed from the high bytes, then UTF-8; the first that decodes strictly wins.
    guesses = [encoding for bom, encoding in _BOMS if data.startswith(bom)]
    for encoding in filter(None, [*guesses, _guess_utf16(data), "utf-8"]):
        try:
            return data.decode(encoding), encoding, 0
        except UnicodeDecodeError:
            pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly
    candidates = []  # never empty: cp1256 maps all 256 bytes
    for encoding in LEGACY_ENCODINGS:
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            pass  # ISO-8859-6 leaves many bytes undefined
    return max(((text, encoding, 0) for text, encoding in candidates),
               key=lambda candidate: _arabic_score(candidate[0]))


def _mostly_utf8(data: bytes) -> tuple[str, str, int] | None:
    """(text, "utf-8", replaced) if ``data`` is UTF-8 but for a few bad bytes (rule 4)."""
    text = data.decode("utf-8", "replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced  # non-ASCII, decoded
    if valid >= 1 and replaced * UTF8_MIN_VALID_PER_INVALID <= valid:
        return text, "utf-8", replaced
    return None


def _guess_utf16(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' if most high bytes are 0x00/0x06 and few low bytes are."""
    if len(data) < 2 or len(data) % 2:
        return None
    pairs = len(data) // 2
    even, odd = data[0::2], data[1::2]
    even_share = (even.count(0) + even.count(6)) / pairs
    odd_share = (odd.count(0) + odd.count(6)) / pairs
    if odd_share >= 0.6 and even_share <= 0.1:
        return "utf-16-le"
    if even_share >= 0.6 and odd_share <= 0.1:
        return "utf-16-be"
    return None


def _arabic_score(text: str) -> int:
    """How much ``text`` reads like Arabic.

    Letters count; the article ال counts extra, because the two code pages put ل on different
    bytes, so the wrong one loses it even when it still yields Arabic letters.
    """
    letters = len(ARABIC_LETTER_PATTERN.findall(text))
    return letters + 3 * text.count(ARTICLE) - 3 * len(_UNLIKELY.findall(text))


# After Passage: search.splitter builds Passages, and importing it first imports this module.
from search.splitter import split_passages  # noqa: E402


def read_passages(path: str | os.PathLike, root: str | os.PathLike) -> list[Passage]:
    """Decode the file at ``path`` inside corpus folder ``root`` and split it into passages.

    An empty or blank file gives []. A binary file raises UndecodableFileError naming it;
    an unreadable one raises the OSError. ``path`` outside ``root`` is a ValueError.

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = pathlib.Path(tmp, "a.txt").write_text("خبر عاجل\\n", encoding="utf-8")
    ...     read_passages(pathlib.Path(tmp, "a.txt"), tmp)
    [Passage(source='a.txt', number=1, text='خبر عاجل', start=0, end=8, title='خبر عاجل')]
    """
    source = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    try:
        text, _ = decode_bytes(Path(path).read_bytes())
    except UndecodableFileError as err:
        raise UndecodableFileError(err.reason, source) from None
    return split_passages(text, source)
