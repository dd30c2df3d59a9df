"""Faults while indexing: builds killed at random points, builds racing, rebuilds under load.

Prints what survived; it is never a test (``tests/test_robustness.py`` runs short versions).

``kill``   (default) Index corpus A. Then, ``--kills`` times (fixed ``--seed``): start a full
           rebuild or an incremental update towards corpus B (``arabic-search index`` in a
           child process), SIGKILL it after a random delay within its measured build time,
           and check that the index still opens and answers exactly as A did (or exactly as
           B, when the kill came after the new generation was published). Then the next
           build (back to A, full or incremental) must succeed, answer as A, and leave no
           ``tmp-`` folder or ``.current.*`` link behind.
``orphans`` Index corpus A with ``--procs`` writer processes, then ``--kills`` times: start
           a multi-process full build of B, wait until its writer processes run, SIGKILL
           the build after a random delay, and check that every writer process is gone
           within two seconds, that the build lock is free (``--no-wait`` succeeds at once)
           and that the next build answers as A.
``race``   Two builds started at once: the second waits for the first and both succeed;
           with ``--no-wait`` the second exits at once saying a build is running; either
           way the index answers as one of the two corpora.
``swap``   The web server (waitress, in this process) under load from client threads while
           other processes rebuild and update the served index: no request fails, every
           total is that of a complete index (A's or B's), and new words are found within
           the app's refresh interval (one second) after the build returns.

    .venv/bin/python bench/crash.py kill --kills 50 --seed 1
    .venv/bin/python bench/crash.py orphans --kills 30 --files 600
    .venv/bin/python bench/crash.py race
    .venv/bin/python bench/crash.py swap --rounds 10 --clients 8

Every loop is bounded (``--max-seconds``); traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEWS_DIR = ROOT / "index_data"
#: Words the checks search for: common ones, and markers only one corpus has.
QUERIES = ("روسيا", "الدفاع", "سوريا", "الرئيس", '"وزارة الدفاع"', "قرنفلية", "زعفرانية", "المرا*")
MARKER_A, MARKER_B = "قرنفلية", "زعفرانية"
COMMON = "الدفاع"


# -- corpora ------------------------------------------------------------------------------


def _sentences() -> list[str]:
    from search.passages import iter_corpus_files, read_passages

    found = []
    for _, path in iter_corpus_files(NEWS_DIR):
        for passage in read_passages(path, NEWS_DIR):
            found.extend(s.strip() + "." for s in passage.text.split(".") if len(s.split()) >= 4)
    return found


def make_corpora(work: Path, files: int, seed: int) -> tuple[Path, Path]:
    """Corpus A (``files`` files, marker word A) and B: A with a tenth of the files
    changed, a tenth removed, a tenth added, and marker word B in the changed ones."""
    rng = random.Random(seed)
    pool = _sentences()

    def text(number: int, marker: str) -> str:
        paragraphs = [" ".join(rng.sample(pool, rng.randint(2, 5))) for _ in range(rng.randint(3, 8))]
        paragraphs[rng.randrange(len(paragraphs))] += f" {marker}"
        return f"تقرير رقم {number}\n\n" + "\n\n".join(paragraphs) + "\n"

    a, b = work / "corpus-a", work / "corpus-b"
    for folder in (a, b):
        folder.mkdir(parents=True)
    tenth = max(1, files // 10)
    for number in range(files):
        name = f"part{number % 4}/file{number:04d}.txt"
        (a / name).parent.mkdir(exist_ok=True)
        body = text(number, MARKER_A)
        (a / name).write_text(body, encoding="utf-8")
        if number < tenth:
            continue  # removed in B
        (b / name).parent.mkdir(exist_ok=True)
        (b / name).write_text(text(number, MARKER_B) if number < 2 * tenth else body, encoding="utf-8")
    for number in range(files, files + tenth):  # added in B
        (b / f"new/file{number:04d}.txt").parent.mkdir(exist_ok=True)
        (b / f"new/file{number:04d}.txt").write_text(text(number, MARKER_B), encoding="utf-8")
    return a, b


def answers(index_dir: Path) -> dict:
    """What the index says: sources, passages, and per query the total and the ids found.

    Scores are left out on purpose: an incremental update keeps deleted passages in
    Whoosh's statistics until segments merge, so the same content can score differently."""
    from search import Index, QueryError

    index = Index.open(index_dir)
    try:
        said = {"sources": index.sources(), "passages": len(index)}
        for query in QUERIES:
            try:
                result = index.search(query, per_page=1000)
            except QueryError as error:
                said[query] = f"QueryError: {error}"
                continue
            said[query] = [result.total, sorted(hit.id for hit in result.hits)]
        return said
    finally:
        index.close()


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("tmp-", ".current.")))


def generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))


def index_command(corpus: Path, index_dir: Path, rebuild: bool, *extra: str) -> list[str]:
    return [sys.executable, "-m", "search", "index", str(corpus), "--index", str(index_dir),
            *(["--rebuild"] if rebuild else []), *extra]


def run_build(corpus: Path, index_dir: Path, rebuild: bool) -> None:
    subprocess.run(index_command(corpus, index_dir, rebuild), cwd=ROOT, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)


def timed_build(corpus: Path, index_dir: Path, rebuild: bool = True) -> tuple[float, float]:
    """Build in a child; return (seconds until it started writing, seconds until it exited)."""
    started = time.monotonic()
    child = subprocess.Popen(index_command(corpus, index_dir, rebuild), cwd=ROOT, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writing = None
    while child.poll() is None and time.monotonic() - started < 600:
        if writing is None and index_dir.is_dir() and any(p.name.startswith("tmp-") for p in index_dir.iterdir()):
            writing = time.monotonic() - started
        time.sleep(0.002)
    if child.wait() != 0:
        raise AssertionError(f"the build of {corpus} failed")
    finished = time.monotonic() - started
    return (writing if writing is not None else 0.0), finished


# -- kill ---------------------------------------------------------------------------------


def kill_campaign(work: Path, kills: int, seed: int, files: int = 200, max_seconds: float = 900,
                  log=print) -> dict:
    """SIGKILL builds at random points; return counts and the list of failures."""
    rng = random.Random(seed)
    corpus_a, corpus_b = make_corpora(work, files, seed)
    index_dir = work / "index"
    expected = {}
    for name, corpus in (("A", corpus_a), ("B", corpus_b)):
        timed_build(corpus, work / f"reference-{name}")  # the first is cold: not timed
        expected[name] = answers(work / f"reference-{name}")
    timings = {True: timed_build(corpus_b, work / "reference-A", rebuild=True),  # full, warm
               False: timed_build(corpus_a, work / "reference-B", rebuild=False)}  # incremental
    assert expected["A"] != expected["B"], "the two corpora must answer differently"
    run_build(corpus_a, index_dir, rebuild=True)
    if answers(index_dir) != expected["A"]:
        raise AssertionError("the index of A does not answer as the reference index of A")

    outcome = {"kills": 0, "survived": 0, "killed_before_publish": 0, "published_before_kill": 0,
               "finished_before_kill": 0, "stale_cleaned": 0, "failures": [],
               "seconds_full": [round(t, 2) for t in timings[True]],
               "seconds_incremental": [round(t, 2) for t in timings[False]]}
    deadline = time.monotonic() + max_seconds
    for number in range(1, kills + 1):
        if time.monotonic() > deadline:
            log(f"stopped after {number - 1} kills: --max-seconds reached")
            break
        rebuild = rng.random() < 0.5
        # Kill while the child writes, not while it is still importing: most kills within
        # the writing, one in five around its end (publishing, removing old generations).
        writing, build_seconds = timings[rebuild]
        end = writing + (build_seconds - writing) * 0.85
        delay = rng.uniform(writing * 0.9, end) if rng.random() < 0.8 else rng.uniform(end, build_seconds * 1.05)
        child = subprocess.Popen(index_command(corpus_b, index_dir, rebuild), cwd=ROOT,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            child.wait(delay)
        except subprocess.TimeoutExpired:
            pass
        finished = child.poll() is not None
        child.send_signal(signal.SIGKILL)
        child.wait()
        outcome["kills"] += 1
        outcome["finished_before_kill"] += finished
        problems = []
        try:
            said = answers(index_dir)
        except Exception as error:  # the point of the campaign: report, never stop
            said, problems = None, [f"index does not open after the kill: {error!r}"]
        if said == expected["A"]:
            outcome["killed_before_publish"] += 1
        elif said == expected["B"]:
            outcome["published_before_kill"] += 1
        elif said is not None:
            problems.append("answers are neither A's nor B's")
        stale = bool(leftovers(index_dir))
        try:
            run_build(corpus_a, index_dir, rebuild=rng.random() < 0.5)
            if answers(index_dir) != expected["A"]:
                problems.append("the build after the kill does not answer as A")
            if leftovers(index_dir):
                problems.append(f"left behind after the next build: {leftovers(index_dir)}")
            if len(generations(index_dir)) > 2:
                problems.append(f"old generations kept: {generations(index_dir)}")
            outcome["stale_cleaned"] += stale
        except subprocess.CalledProcessError as error:
            problems.append(f"the build after the kill failed: {error.stderr.decode(errors='replace')}")
        what = "full" if rebuild else "incremental"
        if problems:
            outcome["failures"].append({"kill": number, "build": what, "delay": delay, "problems": problems})
            log(f"kill {number}: {what} build at {delay:.2f} s: FAILED: {problems}")
        else:
            outcome["survived"] += 1
            log(f"kill {number}: {what} build at {delay:.2f} s: ok"
                f"{' (it had finished)' if finished else ''}{' (tmp- left, then cleaned)' if stale else ''}")
    return outcome


# -- orphans ------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def orphan_campaign(work: Path, kills: int, seed: int, files: int = 600, procs: int = 2,
                    max_seconds: float = 900, log=print) -> dict:
    """SIGKILL multi-process builds once their writers run; count orphans and stuck locks."""
    rng = random.Random(seed)
    corpus_a, corpus_b = make_corpora(work, files, seed)
    index_dir = work / "index"
    run_build(corpus_a, index_dir, rebuild=True)
    expected = answers(index_dir)
    outcome = {"kills": 0, "survived": 0, "workers_seen": 0, "orphans": 0, "failures": []}
    deadline = time.monotonic() + max_seconds
    for number in range(1, kills + 1):
        if time.monotonic() > deadline:
            log(f"stopped after {number - 1} kills: --max-seconds reached")
            break
        child = subprocess.Popen(index_command(corpus_b, index_dir, True, "--procs", str(procs)), cwd=ROOT,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        waited = time.monotonic() + 60
        while len(children_of(child.pid)) < procs and child.poll() is None and time.monotonic() < waited:
            time.sleep(0.01)
        workers = children_of(child.pid)
        time.sleep(rng.uniform(0, 1.5))
        workers = sorted(set(workers) | set(children_of(child.pid)))
        child.send_signal(signal.SIGKILL)
        child.wait()
        outcome["kills"] += 1
        outcome["workers_seen"] += len(workers)
        problems = []
        gone_by = time.monotonic() + 2
        while any(alive(pid) for pid in workers) and time.monotonic() < gone_by:
            time.sleep(0.02)
        orphans = [pid for pid in workers if alive(pid)]
        if orphans:
            outcome["orphans"] += len(orphans)
            problems.append(f"writer processes alive 2 s after the kill: {orphans}")
            for pid in orphans:  # clean up, so the next round starts clean
                os.kill(pid, signal.SIGKILL)
        if not workers:
            problems.append("no writer process was seen (the build ended or never forked)")
        started = time.monotonic()
        done = subprocess.run(index_command(corpus_a, index_dir, True, "--no-wait"), cwd=ROOT,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            problems.append(f"the next build (--no-wait) failed: {done.stderr.strip()[-300:]}")
        elif answers(index_dir) != expected:
            problems.append("the next build does not answer as A")
        if problems:
            outcome["failures"].append({"kill": number, "problems": problems})
            log(f"kill {number}: FAILED: {problems}")
        else:
            outcome["survived"] += 1
            log(f"kill {number}: {len(workers)} writer processes gone, next build ok in "
                f"{time.monotonic() - started:.2f} s")
    return outcome


# -- race ---------------------------------------------------------------------------------


def race(work: Path, seed: int, files: int = 200, log=print) -> dict:
    """Two builds at once, waiting and not waiting; return what happened."""
    corpus_a, corpus_b = make_corpora(work, files, seed)
    index_dir = work / "index"
    expected = {}
    for name, corpus in (("A", corpus_a), ("B", corpus_b)):
        run_build(corpus, work / f"reference-{name}", rebuild=True)
        expected[name] = answers(work / f"reference-{name}")
    run_build(corpus_a, index_dir, rebuild=True)
    result = {}

    # Waiting: both run, one after the other; the index is that of the last to finish.
    second = _primed(index_command(corpus_a, index_dir, False))
    first = subprocess.Popen(index_command(corpus_b, index_dir, True), cwd=ROOT, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_writer(index_dir, first)
    asked_while_held = first.poll() is None
    second.communicate("go\n", timeout=600)
    first.communicate(timeout=600)
    said = answers(index_dir)
    result["waiting"] = {
        "asked_while_held": asked_while_held,
        "first_exit": first.returncode, "second_exit": second.returncode,
        "answers": "A" if said == expected["A"] else "B" if said == expected["B"] else "neither",
        "leftovers": leftovers(index_dir),
    }
    log(f"waiting: {result['waiting']}")

    # Not waiting: the second says a build is running and changes nothing. The check only
    # counts if the first still runs when the second has exited (so it held the lock the
    # whole time); a first build that ends sooner makes the attempt inconclusive: again.
    for attempt in range(1, 6):
        run_build(corpus_a, index_dir, rebuild=True)
        # The second command is imported and waiting on its stdin before the first starts,
        # so it tries the lock within milliseconds of being told to.
        second = _primed(index_command(corpus_a, index_dir, True, "--no-wait"))
        first = subprocess.Popen(index_command(corpus_b, index_dir, True), cwd=ROOT, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for_writer(index_dir, first)
        second_out, second_err = second.communicate("go\n", timeout=600)
        second = subprocess.CompletedProcess(second.args, second.returncode, second_out, second_err)
        held = first.poll() is None
        first.communicate(timeout=600)
        if held:
            break
        log(f"no-wait attempt {attempt}: the first build ended before the second; again")
    said = answers(index_dir)
    result["no_wait"] = {
        "attempts": attempt, "conclusive": held, "first_exit": first.returncode, "second_exit": second.returncode,
        "second_says": second.stderr.strip(),
        "answers": "A" if said == expected["A"] else "B" if said == expected["B"] else "neither",
        "leftovers": leftovers(index_dir),
    }
    log(f"no-wait: {result['no_wait']}")
    return result


#: ``arabic-search`` with its arguments, started ahead: imports, says "ready", waits for a line.
PRIMED = ("import sys\nfrom search.cli import main\nprint('ready', flush=True)\nsys.stdin.readline()\n"
          "main(sys.argv[1:], prog_name='arabic-search')")


def _primed(command: list[str]) -> subprocess.Popen:
    """An index command started ahead; send it a line (``communicate("go\\n")``) to run."""
    child = subprocess.Popen([sys.executable, "-c", PRIMED, *command[3:]], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if child.stdout.readline().strip() != "ready":
        raise AssertionError("the second build did not start")
    return child


def _wait_for_writer(index_dir: Path, child: subprocess.Popen, timeout: float = 60) -> None:
    """Until ``child`` holds the build lock (its ``tmp-`` folder exists)."""
    deadline = time.monotonic() + timeout
    while not any(p.name.startswith("tmp-") for p in index_dir.iterdir()):
        if child.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("the first build never started writing")
        time.sleep(0.005)


# -- swap ---------------------------------------------------------------------------------


def _totals(index_dir: Path) -> dict[str, int]:
    from search import Index

    index = Index.open(index_dir)
    try:
        return {word: index.search(word).total for word in (COMMON, MARKER_A, MARKER_B)}
    finally:
        index.close()


class _Clients:
    """Threads searching ``COMMON`` over keep-alive connections; every answer is recorded."""

    def __init__(self, port: int, clients: int, max_requests: int):
        self.port, self.stop = port, threading.Event()
        self.lock = threading.Lock()
        self.budget = threading.Semaphore(max_requests)
        self.totals: dict[int, int] = {}
        self.failures: list[str] = []
        self.requests = 0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        path = "/api/search?" + urlencode({"q": COMMON, "per_page": 5})
        while not self.stop.is_set() and self.budget.acquire(blocking=False):
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                status = response.status
            except OSError as error:
                connection.close()
                with self.lock:
                    self.failures.append(f"socket error: {error!r}")
                continue
            with self.lock:
                self.requests += 1
                if status != 200:
                    self.failures.append(f"HTTP {status}: {body[:200]!r}")
                    continue
                data = json.loads(body)
                facet_sum = sum(f["count"] for f in data["facets"]["source"])
                if facet_sum != data["total"]:
                    self.failures.append(f"facets sum to {facet_sum}, total is {data['total']}")
                self.totals[data["total"]] = self.totals.get(data["total"], 0) + 1
            time.sleep(0.001)
        connection.close()


def get_json(port: int, params: dict) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/api/search?" + urlencode(params))
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def swap(work: Path, rounds: int, clients: int, seed: int, files: int = 200, max_requests: int = 100_000,
         max_seconds: float = 900, slack: float = 0.5, log=print) -> dict:
    """Serve the index under load while other processes rebuild and update it; new words
    must be found within the refresh interval plus ``slack`` seconds of a build's end."""
    from web import create_app
    from web.server import make_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" is the point here
    corpus_a, corpus_b = make_corpora(work, files, seed)
    expected = {}
    for name, corpus in (("A", corpus_a), ("B", corpus_b)):
        run_build(corpus, work / f"reference-{name}", rebuild=True)
        expected[name] = _totals(work / f"reference-{name}")
    allowed = {expected["A"][COMMON], expected["B"][COMMON]}
    index_dir = work / "index"
    run_build(corpus_a, index_dir, rebuild=True)
    app = create_app({"INDEX_DIR": str(index_dir)})
    interval = float(app.config["REFRESH_INTERVAL"])
    server = make_server(port=0, app=app, threads=4)
    port = int(server.effective_port)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    outcome = {"rounds": 0, "builds": [], "max_visible_after_s": 0.0, "failures": []}
    rng = random.Random(seed)
    deadline = time.monotonic() + max_seconds
    try:
        with _Clients(port, clients, max_requests) as load:
            for number in range(rounds):
                if time.monotonic() > deadline:
                    break
                for target, corpus in (("B", corpus_b), ("A", corpus_a)):
                    rebuild = rng.random() < 0.5
                    run_build(corpus, index_dir, rebuild)
                    returned = time.monotonic()
                    marker = MARKER_B if target == "B" else MARKER_A
                    while True:  # the new words: found once the app has refreshed
                        total = get_json(port, {"q": marker})["total"]
                        waited = time.monotonic() - returned
                        if total == expected[target][marker] or waited > interval + 5:
                            break
                        time.sleep(0.02)
                    if total != expected[target][marker] or waited > interval + slack:
                        outcome["failures"].append(
                            f"round {number}: {marker} gave {total} {waited:.2f} s after the build of {target}")
                    outcome["max_visible_after_s"] = max(outcome["max_visible_after_s"], round(waited, 3))
                    outcome["builds"].append("full" if rebuild else "incremental")
                outcome["rounds"] += 1
                log(f"round {number + 1}: {load.requests} requests so far, totals seen {load.totals}")
        outcome["requests"] = load.requests
        outcome["totals_seen"] = load.totals
        outcome["failures"] += load.failures
        outcome["failures"] += [f"total {t} ({n} responses) is neither A's nor B's ({sorted(allowed)})"
                                for t, n in load.totals.items() if t not in allowed]
        outcome["refresh_interval_s"] = interval
    finally:
        server.close()
        serving.join(10)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", choices=("kill", "orphans", "race", "swap"), default="kill")
    parser.add_argument("--procs", type=int, default=2, help="orphans: writer processes")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="swap: rebuild/update rounds (A->B->A)")
    parser.add_argument("--clients", type=int, default=8, help="swap: client threads")
    parser.add_argument("--files", type=int, default=200, help="files in corpus A (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--work-dir", type=Path, help="scratch folder (default: temp)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crash-", dir=args.work_dir) as work:
        work = Path(work)
        if args.mode == "kill":
            outcome = kill_campaign(work, args.kills, args.seed, args.files, args.max_seconds)
            failed = bool(outcome["failures"]) or outcome["survived"] < args.kills
        elif args.mode == "orphans":
            outcome = orphan_campaign(work, args.kills, args.seed, args.files, args.procs, args.max_seconds)
            failed = bool(outcome["failures"]) or outcome["survived"] < args.kills
        elif args.mode == "race":
            outcome = race(work, args.seed, args.files)
            failed = any(r["answers"] == "neither" or r["leftovers"] or r["first_exit"] for r in outcome.values()) \
                or outcome["waiting"]["second_exit"] != 0 or outcome["no_wait"]["second_exit"] != 1
        else:
            outcome = swap(work, args.rounds, args.clients, args.seed, args.files, max_seconds=args.max_seconds)
            failed = bool(outcome["failures"])
    print(json.dumps(outcome, ensure_ascii=False, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
