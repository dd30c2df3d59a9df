"""Coverage-guided fuzzing of the corpus decoder and passage splitter (atheris).

Contract: any bytes decode to text or raise UndecodableFileError, and every passage's
span slices the decoded text. Anything else is a crash atheris reports with its input.

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/fuzz_passages.py -runs=20000 [-max_len=4096] [corpus_dir]
"""

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["search"]):
    from search.passages import UndecodableFileError, decode_bytes, split_passages
    from search.splitter import MAX_WORDS


def test_one_input(data: bytes) -> None:
    # Half the inputs are file bytes for the decoder; half go straight to the splitter
    # as text (lone surrogates included), which random bytes rarely reach past the
    # binary check.
    if data[:1] in (b"", b"\x00") or data[0] % 2:
        try:
            text, _encoding = decode_bytes(data[1:])
        except UndecodableFileError:
            return
    else:
        text = atheris.FuzzedDataProvider(data[1:]).ConsumeUnicode(len(data))
    previous_end = 0
    for number, passage in enumerate(split_passages(text, "fuzz.txt"), start=1):
        assert passage.number == number
        assert text[passage.start:passage.end] == passage.text, passage
        assert passage.start >= previous_end
        assert len(passage.text.split()) <= MAX_WORDS
        previous_end = passage.end


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
