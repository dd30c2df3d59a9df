"""A corpus that changes under the build: links out, FIFOs and renames raced against builds.

A thread keeps replacing ``victim*.txt`` files of a small corpus, as fast as it can, by
a link to a secret file outside the corpus, by a FIFO, by a link to /dev/zero, or by
a regular file again, and the folder ``sub/`` by a link to a folder outside holding a
secret ``inner.txt`` (and back), while builds (full and incremental, in this process) run one after
the other for ``--seconds``. Every build must finish within ``--build-timeout`` seconds,
and no index may ever hold the secret's word.

    .venv/bin/python bench/attack_files.py --seconds 60

Everything happens in a temporary folder; the loops end after ``--seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "كلمةسريةجدا"
TEXT = "أخبار\nافتتحت البلدية حديقة عامة جديدة قرب الميناء.\n"


def swap_forever(corpus: Path, secret: Path, victims: int, stop: threading.Event, seed: int) -> dict:
    rng = random.Random(seed)
    counts = {"link_out": 0, "fifo": 0, "device": 0, "regular": 0, "folder": 0}
    while not stop.is_set():
        victim = corpus / f"victim{rng.randrange(victims)}.txt"
        kind = rng.choice(list(counts))
        temporary = corpus / f".swap-{rng.random()}"
        try:
            if kind == "folder":  # sub/ <-> a link to the outside folder
                sub, kept = corpus / "sub", corpus / ".sub-real"
                if sub.is_symlink():
                    sub.unlink()
                    os.rename(kept, sub)
                else:
                    os.rename(sub, kept)
                    sub.symlink_to(secret.parent / "outside", target_is_directory=True)
                counts[kind] += 1
                continue
            if kind == "link_out":
                temporary.symlink_to(secret)
            elif kind == "fifo":
                os.mkfifo(temporary)
            elif kind == "device":
                temporary.symlink_to("/dev/zero")
            else:
                temporary.write_text(TEXT, encoding="utf-8")
            os.replace(temporary, victim)  # atomic: the name is always something
            counts[kind] += 1
        except OSError:
            pass
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--victims", type=int, default=5)
    parser.add_argument("--files", type=int, default=30, help="ordinary files beside the victims")
    parser.add_argument("--build-timeout", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from search import Index, writer

    outcome = {"builds": 0, "leaked": 0, "hung": 0, "errors": [], "reported": {}}
    with tempfile.TemporaryDirectory(prefix="attack-files-") as work:
        work = Path(work)
        corpus, secret = work / "corpus", work / "secret.txt"
        corpus.mkdir()
        secret.write_text(f"سر {SECRET}\n", encoding="utf-8")
        (work / "outside").mkdir()
        (work / "outside" / "inner.txt").write_text(f"سر {SECRET}\n", encoding="utf-8")
        (corpus / "sub").mkdir()
        (corpus / "sub" / "inner.txt").write_text(TEXT, encoding="utf-8")
        for number in range(args.files):
            (corpus / f"file{number}.txt").write_text(TEXT, encoding="utf-8")
        for number in range(args.victims):
            (corpus / f"victim{number}.txt").write_text(TEXT, encoding="utf-8")
        stop = threading.Event()
        swaps = {}
        swapper = threading.Thread(
            target=lambda: swaps.update(swap_forever(corpus, secret, args.victims, stop, args.seed)), daemon=True)
        swapper.start()
        deadline = time.monotonic() + args.seconds
        rng = random.Random(args.seed)
        try:
            while time.monotonic() < deadline:
                full = rng.random() < 0.5 or outcome["builds"] == 0
                done = {}

                def run():
                    try:
                        report = (writer.build(corpus, work / "index") if full
                                  else writer.update(work / "index", corpus))
                        done["report"] = report
                    except Exception as error:  # the point of the script: report, never stop
                        frames = traceback.extract_tb(error.__traceback__)[-3:]
                        done["error"] = f"{error!r} at " + " < ".join(
                            f"{Path(frame.filename).name}:{frame.lineno}" for frame in reversed(frames))

                builder = threading.Thread(target=run, daemon=True)
                builder.start()
                builder.join(args.build_timeout)
                if builder.is_alive():
                    outcome["hung"] += 1
                    break
                outcome["builds"] += 1
                if "error" in done:
                    outcome["errors"].append(done["error"])
                    continue
                for _source, reason in done["report"].skipped + done["report"].kept:
                    outcome["reported"][reason] = outcome["reported"].get(reason, 0) + 1
                index = Index.open(work / "index")
                outcome["leaked"] += index.search(SECRET).total > 0
                index.close()
        finally:
            stop.set()
            swapper.join(10)
    outcome["swaps"] = swaps
    outcome["errors"] = outcome["errors"][:10]
    print(json.dumps(outcome, ensure_ascii=False, indent=1))
    return 1 if outcome["leaked"] or outcome["hung"] or outcome["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
