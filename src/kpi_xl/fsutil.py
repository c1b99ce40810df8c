"""Atomic file output, in one place for every face that writes files.

A new file is written to a temporary file in the target's folder, flushed and fsynced, given
the permissions a normally created file would have (the umask's), then moved over the target
with one atomic rename, and the folder is fsynced. A crash at any moment leaves either the old
file or the complete new one, never a half-written file; a failure removes the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["TEMP_SUFFIX", "atomic_output", "atomic_path", "remove_stale_temps",
           "write_bytes_atomic"]

#: Every temporary file kpi-xl creates ends with this, so stray ones are recognisable.
TEMP_SUFFIX = ".kpi-xl.tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem can fsync a directory
        _fsync(folder)


@contextlib.contextmanager
def atomic_path(target: str | Path, *, overwrite: bool = True,
                backup: str | Path | None = None, keep_extension: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write (by any library); on success move it to ``target``.

    ``overwrite=False`` refuses to replace a file that exists (checked atomically with a
    hard link where the filesystem allows it). ``backup`` keeps the old target under that name.
    ``keep_extension`` ends the temporary name with the target's extension, for tools that
    read the file by type before it is moved into place.
    """
    target = Path(target)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} already exists (pass --force to replace it)")
    suffix = TEMP_SUFFIX + (target.suffix if keep_extension else "")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync(tmp)
        # mkstemp creates 0600: keep a replaced file's permissions, else the umask's default
        os.chmod(tmp, stat.S_IMODE(target.stat().st_mode) if target.exists()
                 else 0o666 & ~_umask())
        if backup is not None and target.exists():
            _copy_backup(target, Path(backup))
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic and fails if target appeared meanwhile
            except FileExistsError:
                raise FileExistsError(f"{target} already exists (pass --force to replace it)") from None
            except OSError:  # no hard links here (some network filesystems)
                os.replace(tmp, target)
        _fsync_dir(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_output(target: str | Path, *, overwrite: bool = True,
                  backup: str | Path | None = None) -> Iterator[BinaryIO]:
    """Like :func:`atomic_path`, yielding an open binary file instead of a path."""
    with atomic_path(target, overwrite=overwrite, backup=backup) as tmp, open(tmp, "w+b") as fh:
        yield fh
        fh.flush()


def write_bytes_atomic(target: str | Path, data: bytes, *, overwrite: bool = True) -> None:
    with atomic_output(target, overwrite=overwrite) as fh:
        fh.write(data)


def _copy_backup(target: Path, backup: Path) -> None:
    """Put a copy of ``target`` at ``backup`` atomically (hard link where possible)."""
    with atomic_path(backup) as tmp:
        tmp.unlink()
        try:
            os.link(target, tmp)
        except OSError:
            shutil.copy2(target, tmp)


def remove_stale_temps(target: str | Path) -> int:
    """Remove the temporary files that killed writers left beside ``target``.

    Only ``target``'s own (mkstemp's random part has no dot): not those of a sibling such as
    ``book.xlsx.v2.xlsx``, which another process may be writing right now. Call it only while
    holding the target's lock.
    """
    target = Path(target)
    own = re.compile(rf"\.{re.escape(target.name)}\.[A-Za-z0-9_]+{re.escape(TEMP_SUFFIX)}")
    removed = 0
    for old in target.parent.iterdir():
        if own.fullmatch(old.name):
            with contextlib.suppress(OSError):
                old.unlink()
                removed += 1
    return removed
