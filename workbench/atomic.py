"""Atomic file writes: a crash, a full disk or a bad target never costs the user a file.

Every file workbench writes (sessions, memos, exports, reports) goes through
`atomic_write_text`/`atomic_write_bytes`:

- a symlink is followed and its target is replaced, so the link stays a link;
- an existing FIFO, device, socket or folder is refused (replacing a device node
  with a regular file, or blocking on a FIFO, is never what the user meant);
- the text goes to a temporary file in the target's folder, is flushed and fsynced,
  the previous version is kept as NAME.bak (a hard link, else a copy), and then
  `os.replace` swaps it in (atomic on POSIX and Windows);
- a long stream (a JSON or CSV export) goes to the disk directly, a block at a time,
  where the file system allows it (see `_write_stream`);
- temporary files left by a save that was killed are removed by the next save;
- every OSError (disk full, read-only file system, name too long, permission) is an
  `InputError` naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from workbench.errors import InputError
from workbench.fileio import kind_of, os_message

# mkstemp creates 0600 files; a saved session should get the usual permissions.
_UMASK = os.umask(0)
os.umask(_UMASK)
# The temporary name is ".<start of the name>.<random>.tmp": the start is cut so that a
# target name near the 255-byte limit still leaves room for the random part.
_TMP_STEM = 64
TMP_SUFFIX = ".tmp"


def temp_prefix(name: str) -> str:
    stem = name.encode("utf-8", "surrogateescape")[:_TMP_STEM].decode("utf-8", "ignore")
    return f".{stem}."


def resolve_target(path: Path) -> Path:
    """The file a write to `path` should replace: symlinks followed to their end."""
    try:
        return Path(os.path.realpath(path, strict=False))
    except OSError as exc:  # a symlink loop with strict realpath semantics
        raise InputError(f"cannot write: {os_message(exc)}", source=str(path)) from None


def check_target(path: Path, label: str) -> bool:
    """Refuse targets that must not be replaced; True when the file already exists."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(f"cannot write: {os_message(exc)}", source=label) from None
    if stat.S_ISLNK(st.st_mode):  # realpath stopped at a loop or a dangling link
        try:
            os.stat(path)
        except OSError as exc:
            raise InputError(f"cannot write: {os_message(exc)}", source=label) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a folder; give a file name", source=label)
    special = kind_of(st.st_mode)
    if special is not None:
        raise InputError(f"is {special}; refusing to replace it with a file", source=label)
    return True


def remove_stale_temps(folder: Path, name: str) -> None:
    """Delete temporary files an interrupted save of `name` left in `folder`."""
    prefix = temp_prefix(name)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(TMP_SUFFIX):
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
            except OSError:
                pass  # someone else's file or already gone: not worth failing a save


def _keep_backup(target: Path, label: str) -> None:
    backup = target.with_name(target.name + ".bak")
    try:
        st = os.lstat(backup)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot keep the backup {backup.name}: {os_message(exc)}",
                         source=label) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode) or kind_of(st.st_mode) is not None:
            raise InputError(
                f"cannot keep the backup: {backup.name} exists and is not a regular file; "
                "move it away",
                source=label,
            )
        os.unlink(backup)  # a file or a symlink: the link itself goes, never its target
    try:
        # A hard link keeps the previous version without copying.
        os.link(target, backup)
    except OSError:
        try:
            backup.write_bytes(target.read_bytes())
        except OSError as exc:
            raise InputError(f"cannot keep the backup {backup.name}: {os_message(exc)}",
                             source=label) from None


def atomic_write_bytes(
    path: Path | str, data: bytes | Iterable[bytes | memoryview], keep_backup: bool = True,
    create_folder: bool = False,
) -> Path:
    """Write `data` (bytes, or pieces written as they come) to `path` atomically;
    returns the file actually written.

    A missing folder is an error unless `create_folder` (a typo in `-o` must not
    quietly create a folder tree; saving into the default sessions/ folder may)."""
    label = str(path)
    target = resolve_target(Path(path))
    exists = check_target(target, label)
    folder = target.parent
    if create_folder:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the folder: {os_message(exc)}",
                             source=label) from None
    elif not folder.is_dir():
        raise InputError(f"folder {str(folder)!r} does not exist", source=label)
    remove_stale_temps(folder, target.name)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=TMP_SUFFIX,
                                        dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write: {os_message(exc)}", source=label) from None
    try:
        try:
            if isinstance(data, bytes):
                _write_all(fd, memoryview(data))
            else:  # an export of a million rows never sits in memory whole
                _write_stream(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        mode = stat.S_IMODE(os.stat(target).st_mode) if exists else 0o666 & ~_UMASK
        os.chmod(tmp_name, mode)
        if keep_backup and exists:
            _keep_backup(target, label)
        os.replace(tmp_name, target)
        _fsync_dir(folder)
    except OSError as exc:
        _unlink_quietly(tmp_name)
        raise InputError(f"cannot write: {os_message(exc)}", source=label) from None
    except BaseException:
        _unlink_quietly(tmp_name)
        raise
    return target


# A stream is gathered in blocks of this size; from the first full one on, blocks go
# to the disk directly. A multiple of every block size direct I/O asks for (512, 4096).
_BLOCK = 8 << 20
# What a direct write answers when direct I/O is refused rather than failing.
_REFUSALS = {errno.EINVAL, getattr(errno, "EOPNOTSUPP", errno.EINVAL),
             getattr(errno, "ENOTSUP", errno.EINVAL)}


# Every slice of the block is released as soon as it is written (`with`): a slice
# still alive in a traceback would make closing the block raise BufferError in place
# of the error being reported.
def _write_all(fd: int, data: memoryview) -> None:
    at = 0
    while at < len(data):  # a regular file takes all of it, bar a signal or a full disk
        with data[at:] as rest:
            written = os.write(fd, rest)
        if written == 0:
            raise OSError(errno.EIO, "the file took none of the bytes written")
        at += written


def _set_direct(fd: int, flag: int, on: bool) -> bool:
    """Turn direct I/O on or off for `fd`; False where the file system refuses it."""
    import fcntl

    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, (flags | flag) if on else (flags & ~flag))
    except OSError:
        return False
    return True


def _write_stream(fd: int, pieces: Iterable[bytes | memoryview]) -> None:
    """Write the pieces, in order, to `fd`, a new and empty file.

    Through the page cache, the kernel copies an export of a million candidates
    (760 MB) into fresh pages, and the fsync that follows waits until all of them are
    written back. On the reference machine (a VM) that cost between almost nothing and
    2 s on top of making the export, as the state of its memory went; written
    directly, 0.1-0.3 s. So the stream is gathered in a page-aligned block, and from
    the first full block on, blocks go to the disk directly (O_DIRECT: aligned memory,
    offsets and lengths); the last, partial block goes through the cache and the
    caller's fsync. A stream shorter than a block never uses direct I/O. Where it is
    refused (tmpfs on older kernels, some network and FUSE file systems, platforms
    without O_DIRECT), a block that the disk refuses, or a short write, the rest goes
    through the cache."""
    flag = getattr(os, "O_DIRECT", 0)
    direct: bool | None = None if flag else False  # None: not tried yet
    block = mmap.mmap(-1, _BLOCK)  # anonymous memory is page-aligned
    view = memoryview(block)
    fill = 0
    try:
        for piece in pieces:
            src = memoryview(piece).cast("B")
            at = 0
            while at < len(src):
                n = min(len(src) - at, _BLOCK - fill)
                view[fill:fill + n] = src[at:at + n]
                fill += n
                at += n
                if fill == _BLOCK:
                    direct = _write_block(fd, view, direct, flag)
                    fill = 0
        if direct and not _set_direct(fd, flag, False):  # the tail is not a whole block
            raise OSError(errno.EINVAL, "cannot turn direct I/O off for the last block")
        with view[:fill] as tail:
            _write_all(fd, tail)
    finally:
        view.release()
        # (Should a slice outlive an error after all, the block is left to the collector.)
        with contextlib.suppress(BufferError):
            block.close()


def _write_block(fd: int, view: memoryview, direct: bool | None, flag: int) -> bool:
    """Write one full block, directly when `direct` (None: try to turn it on first);
    whether the next block may go directly."""
    if direct is None:
        direct = _set_direct(fd, flag, True)
    written = 0
    if direct:
        try:
            written = os.write(fd, view)
        except OSError as exc:
            # Refusals of direct I/O (another alignment, a file system that takes the
            # flag but not the writes) write nothing; a full disk is an error.
            if exc.errno not in _REFUSALS:
                raise
        if written == len(view):
            return True
        if not _set_direct(fd, flag, False):
            raise OSError(errno.EINVAL, "cannot turn direct I/O off")
    with view[written:] as rest:
        _write_all(fd, rest)
    return False


def atomic_write_text(
    path: Path | str, text: str, keep_backup: bool = True, create_folder: bool = False
) -> Path:
    """`atomic_write_bytes` of UTF-8 text with "\\n" line ends kept as they are."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates come from file names that were not UTF-8: write those bytes
        # back as they were; any other lone surrogate cannot be encoded and is replaced.
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "replace")
    return atomic_write_bytes(path, data, keep_backup, create_folder)


def _unlink_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, so best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
