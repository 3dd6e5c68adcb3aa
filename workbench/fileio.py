"""Reading the user's files safely, and refusing writes that would destroy an input.

Every file workbench reads (tables, sessions, replay logs, bins files, a session's
cited source) goes through `check_input`/`read_input_bytes`, so that:

- a FIFO, device or socket is refused before it is opened (opening a FIFO for reading
  blocks until a writer appears: the CLI would hang and the TUI freeze for good);
- a folder, a missing file, a symlink loop, a name too long or a permission problem is
  an `InputError` naming the file, never a traceback;
- a file is opened with O_NONBLOCK and checked again after opening, so a file swapped
  for a FIFO between the check and the open still cannot block.

Every file workbench writes goes through `guard_outputs` first: an output that is (by
path, through symlinks, or as a hard link) one of the command's inputs is refused.
The writing itself is `workbench.atomic`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError

_KIND = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def os_message(exc: OSError) -> str:
    """A short reason for an OSError: 'Permission denied', 'Too many levels of
    symbolic links', 'No space left on device'."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or type(exc).__name__


def kind_of(mode: int) -> str | None:
    """'a FIFO (named pipe)' etc. for special files, None for a regular file or folder."""
    return _KIND.get(stat.S_IFMT(mode))


def check_input(
    path: str | Path, label: str | None = None, *, what: str = "file"
) -> os.stat_result:
    """stat() an input file and refuse anything that is not a readable regular file."""
    label = str(path) if label is None else label
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", source=label) from None
    except OSError as exc:
        raise InputError(f"cannot open: {os_message(exc)}", source=label) from None
    except ValueError:  # an embedded NUL in the path
        raise InputError("not a valid file name", source=label) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"is a folder, not a {what}", source=label)
    special = kind_of(st.st_mode)
    if special is not None:
        raise InputError(f"is {special}, not a regular file; refusing to read it", source=label)
    return st


def open_input(path: str | Path, label: str | None = None, *, what: str = "file") -> int:
    """An O_RDONLY|O_NONBLOCK descriptor of a checked regular file (caller closes it)."""
    label = str(path) if label is None else label
    check_input(path, label, what=what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"cannot open: {os_message(exc)}", source=label) from None
    # Checked again on the open descriptor: the name may now point elsewhere.
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise InputError("is not a regular file; refusing to read it", source=label)
    return fd


# Linux returns at most 0x7ffff000 bytes from one read(2).
_ONE_READ_MAX = 0x7FFFF000


def read_input_bytes(
    path: str | Path, label: str | None = None, *, what: str = "file", limit: int | None = None
) -> bytes:
    """The whole content of a checked regular file; `limit` caps its size in bytes."""
    label = str(path) if label is None else label
    fd = open_input(path, label, what=what)
    try:
        size = os.fstat(fd).st_size
        if limit is not None and size > limit:
            raise InputError(
                f"is {size / 2**20:,.0f} MiB; the limit for a {what} is "
                f"{limit / 2**20:,.0f} MiB",
                source=label,
            )
        return read_rest(fd, label)
    finally:
        os.close(fd)


def read_rest(fd: int, label: str) -> bytes:
    """Everything from a descriptor's position to the end of its file."""
    try:
        left = os.fstat(fd).st_size - os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:
        left = 0
    chunks: list[bytes] = []
    # One read of the whole size (plus a byte, to see growth) fills one buffer: a
    # 70 MB table read in 1 MiB blocks and joined is two copies and twice the page
    # faults. Blocks follow for whatever that read did not return.
    first = left + 1 if 0 < left < _ONE_READ_MAX else 1 << 20
    while True:
        block = _read(fd, first, label)
        first = 1 << 20
        if not block:
            break
        chunks.append(block)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_upto(fd: int, size: int, label: str) -> bytes:
    """The next `size` bytes of a descriptor's file, fewer only at its end."""
    chunks: list[bytes] = []
    got = 0
    while got < size:
        block = _read(fd, min(size - got, _ONE_READ_MAX), label)
        if not block:
            break
        chunks.append(block)
        got += len(block)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read(fd: int, size: int, label: str) -> bytes:
    try:
        return os.read(fd, size)
    except OSError as exc:
        raise InputError(f"cannot read: {os_message(exc)}", source=label) from None


class DigestingReader:
    """A file read in order by a reader that pulls blocks (arrow's CSV reader), with
    the SHA-256 of exactly the bytes it handed out: the digest is of what was parsed,
    even if the file changes meanwhile, and the file is never held whole in memory.

    It starts with `head`, the bytes already read from the descriptor (all of them
    are hashed; the reader is handed them from `skip` on), then reads on from the
    descriptor's position. `seen` tells whether the byte `watch` was among the bytes
    handed out; `done`, whether the end of the file was reached."""

    def __init__(self, fd: int, label: str, head: bytes, *, skip: int = 0,
                 watch: bytes = b"") -> None:
        self._fd, self._label, self._watch = fd, label, watch
        self._digest = hashlib.sha256(head)
        self._pending = head[skip:]
        self.seen = bool(watch) and watch in self._pending
        self.done = False
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        # Whole blocks of `size`, fewer bytes only at the end: arrow's CSV reader
        # refuses a row spread over three blocks, which a short block could make.
        cut = len(self._pending) if size < 0 else min(size, len(self._pending))
        out, self._pending = self._pending[:cut], self._pending[cut:]
        if size >= 0 and len(out) == size:
            return out
        more = (read_rest(self._fd, self._label) if size < 0
                else read_upto(self._fd, size - len(out), self._label))
        self.done = size < 0 or len(out) + len(more) < size
        self._digest.update(more)
        if self._watch and self._watch in more:
            self.seen = True
        return out + more if out else more

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True  # (the descriptor is its opener's to close)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


# ----------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class _Identity:
    real: str
    inode: tuple[int, int] | None


def _identity(path: str | Path) -> _Identity:
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
        inode: tuple[int, int] | None = (st.st_dev, st.st_ino)
    except OSError:
        inode = None
    return _Identity(real, inode)


def _same(a: _Identity, b: _Identity) -> bool:
    return a.real == b.real or (a.inode is not None and a.inode == b.inode)


def guard_outputs(
    inputs: Iterable[tuple[str, str | Path | None]],
    outputs: Iterable[tuple[str, str | Path | None]],
) -> None:
    """Refuse an output that is one of the inputs, or that another output also writes.

    `inputs` and `outputs` are (what, path) pairs, e.g. ("the replay log", "log.csv") and
    ("-o", "report.txt"); None paths are skipped. Two names are the same file when their
    real paths match (symlinks followed) or they share an inode (hard links). A folder
    input protects every file inside it (a folder of Parquet files is one log).
    """
    seen: list[tuple[str, _Identity, bool]] = []
    for what, path in inputs:
        if path is None:
            continue
        ident = _identity(path)
        seen.append((what, ident, os.path.isdir(ident.real)))
    for flag, path in outputs:
        if path is None:
            continue
        ident = _identity(path)
        for what, other, is_dir in seen:
            inside = is_dir and ident.real.startswith(other.real.rstrip(os.sep) + os.sep)
            if _same(ident, other):
                raise InputError(f"{flag} would overwrite {what}; choose another file",
                                 source=str(path))
            if inside:
                raise InputError(f"{flag} would write inside {what}; choose another file",
                                 source=str(path))
        seen.append((flag, ident, False))
