"""Write outputs so that a failed or interrupted run never leaves half-written files."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from healcode.errors import OutputError


def check_writable(outdir: Path, *, force: bool) -> None:
    """Refuse an existing non-empty directory (or a file in the way) unless ``force``."""
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a directory")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise OutputError(f"{outdir}: already exists and is not empty; use --force to replace it")


@contextmanager
def staged_directory(outdir: Path, *, force: bool) -> Iterator[Path]:
    """Yield a temporary directory beside ``outdir``; on success it becomes ``outdir``."""
    check_writable(outdir, force=force)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; the result should not be
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if outdir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old.", dir=outdir.parent))
        os.replace(outdir, old / outdir.name)
        os.replace(staging, outdir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, outdir)


@contextmanager
def staged_file(path: Path, *, force: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``."""
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    staging = Path(name)
    os.chmod(staging, 0o666 & ~_umask())  # mkstemp makes it private; the result should not be
    try:
        yield staging
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
