"""Corpus folders: which files to index, and reading them safely.

The walk lists files; reading comes later, and the corpus can change in between (a file
replaced by a link to /etc/passwd, a folder on its path replaced by a link out, or a FIFO
that blocks a reader forever). So ``read_corpus_file`` checks the descriptor it actually
opened, never the name again: a regular file, which the kernel names inside the corpus
(or, without /proc, the very file the walk listed: its device and inode). Hard links are indexed like any file: a second name for a file is common
(backups, deduplicated copies) and the walk cannot tell which name came first; whoever
can write into the corpus folder decides what it holds (and Linux's protected_hardlinks
stops a user linking a file they could not read).

``list_corpus(root)`` walks; ``read_corpus_file(file, root)`` reads one listed file;
``display_name`` and ``printable_name`` make names safe to show.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Messages about corpus files and folders, in one place (``{name}`` fields filled by ``str.format``).
MESSAGES = {
    "bad_name": "the file name is not valid UTF-8 (shown with \\x escapes): rename it to index it",
    "not_regular": "not a regular file ({kind})",
    "link_outside": "a link to a file outside the corpus",
    "changed_outside": "replaced while indexing by something outside the corpus",
    "changed_kind": "replaced while indexing by something that is not a regular file ({kind})",
    "folder_unreadable": "folder not readable ({reason}); files indexed from it are kept",
    "in_unreadable_folder": "in {folder}: folder not readable",
}


@dataclass(frozen=True)
class CorpusFile:
    """A file the walk found: ``source`` (path from the corpus root, POSIX separators),
    ``path`` (absolute), and ``identity``, (st_dev, st_ino) of the regular file it was,
    or None for a link that leads nowhere (reading it reports why)."""

    source: str
    path: Path
    identity: tuple[int, int] | None


@dataclass
class CorpusListing:
    """What ``list_corpus`` found: files to read, entries skipped with the reason
    (printable names), and folders that could not be read (sources ending in "/")."""

    files: list[CorpusFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def under_unreadable(self, source: str) -> str | None:
        """The unreadable folder ``source`` lies in, if any."""
        return next((folder for folder in self.unreadable if source.startswith(folder)), None)


def list_corpus(root: str | os.PathLike) -> CorpusListing:
    """Every corpus file under ``root``, sorted by source, and what was left out and why.

    Hidden files and folders (name starts with ".") are skipped silently; so are linked
    folders (not entered: no loops, no duplicates). Reported as skipped: names that are
    not valid UTF-8, FIFOs, devices and sockets (reading one can block forever), links to
    files outside ``root``. A folder that cannot be read is reported in ``unreadable``.
    A broken link inside ``root`` (its target gone, or a loop) is listed, so indexing
    reports it as unreadable instead of silently dropping the file's passages. The walk is
    a loop, not a recursion: depth is no limit. A missing ``root`` raises FileNotFoundError.
    """
    top = Path(os.path.abspath(root))
    if not top.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {top}")
    real_top = Path(os.path.realpath(top))
    listing = CorpusListing()
    folders = [(top, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as error:
            listing.unreadable.append(prefix)
            listing.skipped.append((printable_name(prefix or "."), MESSAGES["folder_unreadable"]
                                    .format(reason=error.strerror or error)))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            source = prefix + entry.name
            if not _valid_utf8(entry.name):
                listing.skipped.append((printable_name(source), MESSAGES["bad_name"]))
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((Path(entry.path), source + "/"))
                    continue
                info = os.lstat(entry.path)  # now, not the type readdir saw
                linked = stat.S_ISLNK(info.st_mode)
                if linked:
                    info = os.stat(entry.path)  # the target
            except OSError:
                if entry.is_symlink():  # broken or a loop: reading it says which
                    listing.files.append(CorpusFile(source, Path(entry.path), None))
                continue  # vanished since the folder was read
            if linked and not _resolves_inside(entry.path, real_top):
                if not stat.S_ISDIR(info.st_mode):
                    listing.skipped.append((printable_name(source), MESSAGES["link_outside"]))
                continue
            if stat.S_ISDIR(info.st_mode):
                continue  # a linked folder inside the corpus: its files are listed there
            if not stat.S_ISREG(info.st_mode):
                listing.skipped.append((printable_name(source),
                                        MESSAGES["not_regular"].format(kind=file_kind(info.st_mode))))
                continue
            listing.files.append(CorpusFile(source, Path(entry.path), (info.st_dev, info.st_ino)))
    listing.files.sort(key=lambda file: file.source)
    listing.skipped.sort()
    listing.unreadable.sort()
    return listing


def _resolves_inside(path: str, real_top: Path) -> bool:
    """Whether link ``path`` leads inside ``real_top`` (False if it changes while resolved:
    realpath then fails reading a link that is no longer one)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(real_top)
    except OSError:
        return False


def iter_corpus_files(root: str | os.PathLike) -> Iterator[tuple[str, Path]]:
    """Yield (source name, absolute path) for every corpus file under ``root``, sorted by
    name: ``list_corpus``'s files (what it skips, it skips; see there).

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name in ("news/أ.txt", "b.txt", ".git/x", ".hidden.txt"):
    ...         pathlib.Path(tmp, name).parent.mkdir(exist_ok=True)
    ...         _ = pathlib.Path(tmp, name).write_text("نص", encoding="utf-8")
    ...     [source for source, _ in iter_corpus_files(tmp)]
    ['b.txt', 'news/أ.txt']
    """
    for file in list_corpus(root).files:
        yield file.source, file.path


class ChangedFileError(OSError):
    """A listed file is no longer what the walk vetted; ``strerror`` says what it became."""


def read_corpus_file(file: CorpusFile, root: str | os.PathLike) -> bytes:
    """The bytes of a listed file, read from a descriptor checked to be inside ``root``.

    The open never blocks (O_NONBLOCK: a FIFO swapped in opens at once) and follows links
    (links inside the corpus are files of the corpus); then the descriptor must be a
    regular file whose real path, as the kernel names the open file, lies inside ``root``
    (a file replaced since it was listed, by an editor saving a new copy, is read; one
    replaced by a link out, or with a folder on its path replaced by one, is not). Where
    the kernel cannot name it (no /proc), it must be the very file listed.
    Raises ChangedFileError otherwise, and OSError for a file that cannot be read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(file.path, flags)
    with open(descriptor, "rb", closefd=True) as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ChangedFileError(0, MESSAGES["changed_kind"].format(kind=file_kind(info.st_mode)),
                                   str(file.path))
        inside = _opened_inside(descriptor, root)
        if inside is False or (inside is None and (info.st_dev, info.st_ino) != file.identity):
            raise ChangedFileError(0, MESSAGES["changed_outside"], str(file.path))
        return handle.read()


def _opened_inside(descriptor: int, root) -> bool | None:
    """Whether the file open as ``descriptor`` is inside ``root``, by the kernel's own name
    for it (Linux /proc); None where that name cannot be read."""
    try:
        real = os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return None
    return Path(real).is_relative_to(os.path.realpath(root))


def file_kind(mode: int) -> str:
    """"FIFO", "character device", ... for a file mode that is not a regular file's."""
    kinds = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder"),
             (stat.S_ISLNK, "link"))
    return next((name for test, name in kinds if test(mode)), "unknown kind")


def _valid_utf8(name: str) -> bool:
    """A name from the file system that decoded as UTF-8 (undecodable bytes come back as
    lone surrogates, which no index key may hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: Characters shown as escapes in names: C0 and C1 controls, and the bidirectional
#: formatting characters that reorder what follows them (U+202E shows "rtl\u202etxt.exe"
#: as "rtlexe.txt").
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        "\ud800-\udfff]")


def display_name(source: str) -> str:
    """``source`` with controls and bidi formatting characters shown as escapes, safe to
    print on a terminal or show in a page (wrap it in ``<bdi>`` there too).

    >>> display_name("rtl\u202etxt.exe")
    'rtl\\\\u202etxt.exe'
    """
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", source)


def printable_name(name: str) -> str:
    """A file name as the walk read it (undecodable bytes as lone surrogates), printable:
    undecodable bytes as \\xNN, controls as in ``display_name``.

    >>> printable_name(os.fsdecode(b"\\xc7\\xe1\\xd3.txt"))
    '\\\\xc7\\\\xe1\\\\xd3.txt'
    """
    return display_name(os.fsencode(name).decode("utf-8", "backslashreplace"))
