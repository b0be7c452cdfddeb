"""Atomic file writes: a reader sees the old file or the new one, never a torn one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from papersift.models import PapersiftError


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def describe_os_error(exc: OSError) -> str:
    """A short human reason for an OSError, with a hint for the common cases."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], *, overwrite: bool = True) -> None:
    """Write the concatenated `chunks` to `path` atomically (temp file in the same
    directory, fsync, rename); the data never has to exist in memory at once.

    With `overwrite=False` an existing file is never replaced (checked and linked
    atomically, so a racing writer cannot be clobbered either). On any failure the
    previous file is untouched, the temp file is removed and `PapersiftError` says why.
    Temp files are named `.NAME.*.tmp`, which is how the store finds what a killed
    writer left behind.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        # mkstemp creates 0600 files; give the new file the mode the old one had (or
        # the umask's default) so an atomic write never silently changes permissions.
        os.fchmod(fd, _target_mode(path))
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp_name, path)
        else:
            try:
                os.link(tmp_name, path)
            except FileExistsError:
                raise PapersiftError(
                    f"{path}: already exists; not overwriting it (use --force to replace it)"
                ) from None
            os.unlink(tmp_name)
        tmp_name = None
        _fsync_dir(directory)
    except OSError as exc:
        raise PapersiftError(f"{path}: cannot write: {describe_os_error(exc)}") from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def atomic_write_bytes(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """`atomic_write_chunks` for data already in memory."""
    atomic_write_chunks(path, (data,), overwrite=overwrite)


def atomic_write_text(path: Path, text: str, *, overwrite: bool = True) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)
