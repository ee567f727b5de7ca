"""Output folders and files: staged, locked, and never replacing what healcode did not write.

Every command that writes goes through this module. The rules:

- Output is written into a hidden staging folder (or file) beside the target and moved into
  place only when complete: an interrupted or failed command leaves the old output or none,
  never half of a new one. A folder is swapped in with one atomic exchange where the system
  has one (Linux ``renameat2``), so at every moment the target holds the old or the new
  output. The current folder (``-o .``) is kept and its files are replaced instead, so
  that the shell the command ran in is not left in a removed folder.
- Every folder healcode writes holds a marker, ``.healcode-output.json``, listing the files
  it wrote there with their SHA-256. ``force`` replaces an existing folder only when the
  marker says healcode made it and every file in it is one healcode wrote, unchanged since;
  a file only when the marker of its folder lists it, unchanged. Anything else is refused
  with the names of the foreign files, and nothing is touched.
- An output that equals, contains or lies inside an input is refused.
- A lock file beside the target (``.NAME.lock``, created with ``O_EXCL``) keeps two commands
  from writing the same output at once; a lock left by a process that no longer runs, and
  staging folders of such interrupted runs, are cleaned up and reported in ``notes``.
- Every ``OSError`` becomes an :class:`OutputError` naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from healcode.errors import OutputError

MARKER = ".healcode-output.json"
ELSEWHERE = "choose another -o"  # what to do when a location cannot be written
# ... by a command that writes into the folder it reads (report, tables)
IN_PLACE = "copy the folder to a place you may write and run the command on the copy"
# Errors that write() and close() report without a file name: they concern the output.
_WRITE_ERRORS = frozenset(
    {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG, errno.EIO, errno.EROFS}
)
_STAGING = ".staging"
_SHOWN = 5  # foreign files named in a refusal


def check_not_input(target: Path, inputs: Iterable[str | Path]) -> None:
    """Refuse an output that equals, contains or lies inside one of ``inputs``."""
    out = _absolute(target)
    for item in inputs:
        source = _absolute(Path(item))
        if out == source or out in source.parents or source in out.parents:
            how = "is" if out == source else "contains" if out in source.parents else "lies inside"
            raise OutputError(
                f"{target}: {how} the input {item}; choose an output location apart from the inputs"
            )


def check_writable(outdir: Path, *, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Everything ``staged_directory`` checks before it writes, without writing: call it
    before long work whose result goes to ``outdir``."""
    check_not_input(outdir, inputs)
    _check_replaceable_directory(outdir, force=force)
    _check_location(outdir)


def check_writable_file(path: Path, *, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Everything ``staged_file`` checks before it writes, without writing."""
    check_not_input(path, inputs)
    _check_replaceable_file(path, force=force)
    _check_location(path)


@contextmanager
def staged_directory(
    outdir: Path,
    *,
    force: bool,
    inputs: Iterable[str | Path] = (),
    notes: list[str] | None = None,
    texts: bool = False,
) -> Iterator[Path]:
    """Yield an empty staging folder beside ``outdir``; on success it becomes ``outdir``.

    The checks, the lock and the staging folder come first, so a location that cannot be
    written fails before any work is done. ``notes`` receives what was cleaned up.
    ``texts``: the folder holds texts meant to be coded (an imported project's sources),
    which reading a corpus must not skip as output (see ``is_output``).
    """
    check_not_input(outdir, inputs)
    _check_replaceable_directory(outdir, force=force)
    target = _absolute(outdir)
    home = _workspace(target)
    if home != target:
        _make_parent(home, outdir)
    with _locked(home, target.name, outdir, notes):
        _remove_stale_staging(home, target.name, notes)
        staging = _make_staging(home, target.name, outdir)
        try:
            yield staging
            _write_markers(staging, texts=texts)
            _make_public(staging)
            # Checked again under the lock: the folder may have changed while we worked.
            _check_replaceable_directory(outdir, force=force)
            _swap_in(staging, outdir)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if _concerns(exc, staging, target):
                raise _output_error(exc, outdir) from None
            raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


@contextmanager
def staged_file(
    path: Path,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    elsewhere: str = ELSEWHERE,
) -> Iterator[Path]:
    """Yield a staging path beside ``path``; on success it replaces ``path`` atomically.

    An existing ``path`` is replaced only with ``force`` and only if healcode wrote it
    (its folder's marker lists it, unchanged). ``elsewhere`` is the advice given when the
    location cannot be written (a command without ``-o`` says what to do instead).
    """
    check_not_input(path, inputs)
    _check_replaceable_file(path, force=force, elsewhere=elsewhere)
    target = _absolute(path)
    parent = target.parent
    _make_parent(parent, path, record=True, elsewhere=elsewhere)
    with _locked(parent, target.name, path, None, elsewhere=elsewhere):
        _remove_stale_staging(parent, target.name, None)
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_STAGING, dir=parent)
        except OSError as exc:
            raise _output_error(exc, path, elsewhere) from None
        os.close(handle)
        staging = Path(name)
        try:
            yield staging
            os.chmod(staging, 0o666 & ~_umask())  # mkstemp makes it private; outputs are not
            _check_replaceable_file(path, force=force, elsewhere=elsewhere)
            os.replace(staging, target)
            _record_file(parent, target.name)
        except OSError as exc:
            staging.unlink(missing_ok=True)
            if _concerns(exc, staging, target):
                raise _output_error(exc, path, elsewhere) from None
            raise
        except BaseException:
            staging.unlink(missing_ok=True)
            raise


def healcode_wrote(path: Path) -> bool:
    """Whether ``path`` (a file or folder) is output healcode wrote, unchanged since."""
    if path.is_dir() and not path.is_symlink():
        return not _foreign_entries(path)
    marker = _read_marker(path.parent)
    return marker is not None and _listed(marker, path)


def is_output(
    path: Path, root: Path, markers: dict[Path, dict[str, object] | None] | None = None
) -> bool:
    """Whether the file ``path`` (inside the folder ``root``) is output of healcode, as
    the markers say, edited since or not: a file its folder's marker lists, or anything in
    a folder healcode made (``root`` itself or one between it and the file), except the
    texts of an imported project. Reading a corpus skips these, so an output folder or
    file left inside a corpus is never coded as an interview. ``markers`` caches the
    markers read, folder by folder, across the files of one corpus."""
    markers = {} if markers is None else markers
    folder = path.parent
    while True:
        if folder not in markers:
            markers[folder] = _read_marker(folder)
        marker = markers[folder]
        if marker is not None:
            if marker.get("texts") is True:  # texts healcode wrote to be coded (import)
                return False
            files = marker.get("files")
            if folder == path.parent and isinstance(files, dict) and path.name in files:
                return True
            if marker.get("created") is True:
                return True
        if folder == root or folder == folder.parent:
            return False
        folder = folder.parent


# -- checks ------------------------------------------------------------------------------


def _check_replaceable_directory(outdir: Path, *, force: bool) -> None:
    try:
        if outdir.is_symlink() or (outdir.exists() and not outdir.is_dir()):
            raise OutputError(f"{outdir}: exists and is not a folder; choose another -o")
        if not outdir.exists() or all(_leftover(e) is not None for e in outdir.iterdir()):
            return  # empty, or only healcode's staging copies and locks
        if not force:
            raise OutputError(
                f"{outdir}: already exists and is not empty; use --force to replace output "
                "healcode wrote there, or choose another -o"
            )
        foreign = _foreign_entries(outdir)
    except OSError as exc:
        raise _output_error(exc, outdir) from None
    if foreign:
        shown = ", ".join(foreign[:_SHOWN]) + (", ..." if len(foreign) > _SHOWN else "")
        raise OutputError(
            f"{outdir}: holds files healcode did not write or that changed since ({shown}); "
            "nothing was replaced: choose another -o"
        )


def _check_replaceable_file(path: Path, *, force: bool, elsewhere: str = "") -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            raise OutputError(f"{path}: is a folder; give a file name")
        if not (path.exists() or path.is_symlink()):
            return
        if not force:
            raise OutputError(f"{path}: already exists; use --force to replace it")
        if not healcode_wrote(path) or path.is_symlink():
            raise OutputError(
                f"{path}: exists and was not written by healcode (or changed since); it was "
                "left as it is: choose another file name"
            )
        marker = _read_marker(path.parent) or {}
        single = marker.get("single")
        if marker.get("created") is True and isinstance(single, list) and path.name not in single:
            raise OutputError(
                f"{path}: is part of the output healcode wrote in {path.parent} (a run's table, "
                "say); replacing it alone would break that output: choose another file name"
            )
    except OSError as exc:
        raise _output_error(exc, path, elsewhere or ELSEWHERE) from None


def _workspace(target: Path) -> Path:
    """Where the lock and the staging copy of the output folder ``target`` go: beside it,
    or inside it when only it may be written (a folder made for you under a read-only one,
    as on shared servers; it is then replaced file by file, like ``-o .``)."""
    parent = target.parent
    if target.is_dir() and not target.is_symlink() and not _writable(parent):
        if _writable(target):
            return target
    return parent


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _check_location(target: Path) -> None:
    """The folder ``target`` goes into exists or can be made, and may be written (or,
    for an existing folder, the folder itself may be: see ``_workspace``)."""
    if _workspace(_absolute(target)) == _absolute(target):
        return
    folder = _absolute(target).parent
    while not folder.exists() and folder != folder.parent:
        if folder.is_symlink() or os.path.lexists(folder):  # a dangling link, say
            break
        folder = folder.parent
    if not folder.is_dir():
        raise _output_error(OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)), target)
    if not _writable(folder):
        raise _output_error(OSError(errno.EACCES, os.strerror(errno.EACCES)), target)


def _foreign_entries(folder: Path) -> list[str]:
    """Entries of ``folder`` (recursively) that healcode did not write, as relative paths."""
    marker = _read_marker(folder)
    if marker is None or not marker.get("created"):
        return sorted(e.name for e in folder.iterdir() if e.name != MARKER) or [MARKER]
    folders = marker.get("folders")
    ours = folders if isinstance(folders, list) else []
    foreign = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == MARKER or _leftover(entry) is not None:
            continue  # healcode's own leftovers of an interrupted write go with the folder
        if entry.is_dir() and not entry.is_symlink():
            if entry.name not in ours:
                foreign.append(entry.name + "/")
            else:
                foreign.extend(f"{entry.name}/{name}" for name in _foreign_entries(entry))
        elif not _listed(marker, entry):
            foreign.append(entry.name)
    return foreign


def _listed(marker: dict[str, object], path: Path) -> bool:
    files = marker.get("files")
    if not isinstance(files, dict) or path.is_symlink() or not path.is_file():
        return False
    expected = files.get(path.name)
    return isinstance(expected, str) and expected == _sha256(path)


# -- markers -----------------------------------------------------------------------------


def _read_marker(folder: Path) -> dict[str, object] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_markers(root: Path, *, texts: bool = False) -> None:
    """Mark ``root`` and every folder in it as made by healcode, listing their files."""
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        marker: dict[str, object] = {
            "healcode": _version(),
            "created": True,
            "folders": sorted(subfolders),
            "files": {name: _sha256(here / name) for name in sorted(files) if name != MARKER},
            "single": [],  # none of these may be replaced alone (see _check_replaceable_file)
        }
        if texts:
            marker["texts"] = True
        _write_json(here / MARKER, marker)


def _record_file(folder: Path, name: str) -> None:
    """Add a file healcode just wrote to its folder's marker (made if missing)."""
    with _locked(folder, MARKER, folder / MARKER, None, wait=10.0):
        _add_to_marker(folder, name)


def _add_to_marker(folder: Path, name: str, *, folder_entry: bool = False) -> None:
    marker = _read_marker(folder) or {"healcode": _version(), "created": False, "files": {}}
    if folder_entry:
        folders = marker.get("folders")
        marker["folders"] = sorted({*(folders if isinstance(folders, list) else []), name})
    else:
        files = marker.get("files")
        files = dict(files) if isinstance(files, dict) else {}
        files[name] = _sha256(folder / name)
        marker["files"] = dict(sorted(files.items()))
        single = marker.get("single")  # files written one by one, each replaceable alone
        marker["single"] = sorted({*(single if isinstance(single, list) else []), name})
    _write_json(folder / MARKER, marker)


def _write_json(path: Path, data: dict[str, object]) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_STAGING, dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    os.chmod(name, 0o666 & ~_umask())
    os.replace(name, path)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("healcode")
    except PackageNotFoundError:
        return "unknown"


# -- lock, staging, swap -----------------------------------------------------------------


@contextmanager
def _locked(
    parent: Path,
    name: str,
    shown: Path,
    notes: list[str] | None,
    *,
    wait: float = 0.0,
    elsewhere: str = "",
) -> Iterator[None]:
    """Hold ``parent/.NAME.lock``; refuse (or, with ``wait``, retry for that many seconds)
    while a running process holds it, take it over from one that no longer runs."""
    lock = parent / f".{name}.lock"
    deadline = time.monotonic() + wait
    stale_taken = False
    while True:
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _lock_holder(lock)
            if holder is not None and not stale_taken and not _running(holder):
                stale_taken = True
                with contextlib.suppress(OSError):
                    lock.unlink()
                if notes is not None:
                    notes.append(
                        f"{shown}: removed the lock of an interrupted healcode run "
                        f"(process {holder})"
                    )
                continue
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            who = f"process {holder}" if holder is not None else "another process"
            raise OutputError(
                f"{shown}: another healcode command ({who}) is writing it; wait for it to "
                f"finish or choose another output (if none is running, delete {lock})"
            ) from None
        except OSError as exc:
            raise _output_error(exc, shown, elsewhere or ELSEWHERE) from None
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps({"pid": os.getpid()}) + "\n")
        break
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _lock_holder(lock: Path) -> int | None:
    try:
        pid = json.loads(lock.read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return None
    return pid if isinstance(pid, int) and pid > 0 else None


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# tempfile's names: the prefix given, 8 random characters of this alphabet, the suffix
_LEFTOVER = re.compile(r"\.(?P<owner>.+?)\.(?:old\.)?[a-z0-9_]{8}\.staging|\.(?P<locked>.+)\.lock")


def _leftover(entry: Path) -> str | None:
    """The output name whose staging copy or lock ``entry`` is, if it is one that no
    running healcode command holds (a write that was interrupted); else None."""
    match = _LEFTOVER.fullmatch(entry.name)
    if match is None or entry.is_symlink():
        return None
    owner = match["owner"] or match["locked"]
    owners = [owner]
    if match["owner"] is not None and owner.endswith(".old"):  # .NAME.old.XXXXXXXX.staging
        owners.append(owner.removesuffix(".old"))
    for name in owners:
        holder = _lock_holder(entry.parent / f".{name}.lock")
        if holder is not None and holder != os.getpid() and _running(holder):
            return None  # another command is writing it now
    return owner


def _remove_stale_staging(parent: Path, name: str, notes: list[str] | None) -> None:
    """Staging folders and files left beside ``name`` by an interrupted write of it (we
    hold its lock); those of other outputs, and any a running command holds, stay. A
    previous output set aside while replacing ``name`` in place (``-o .``) is kept, and
    said: the interrupted replace may have left ``name`` without it."""
    stale, kept = [], []
    for entry in parent.iterdir():
        if entry.name.startswith(f".{name}.") and entry.name.endswith(_STAGING):
            owner = _leftover(entry)
            if owner == name:
                stale.append(entry)
            elif owner == f"{name}.old":
                kept.append(entry)  # the previous output, set aside by an interrupted swap
    if kept and notes is not None:
        notes.append(
            f"{parent / name}: an earlier run was interrupted while replacing it; its previous "
            f"output is kept in {sorted(kept)[0]} (delete it once you have checked the output)"
        )
    for path in sorted(stale):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if stale and notes is not None:
        notes.append(
            f"removed {len(stale)} unfinished output(s) of an interrupted run "
            f"beside {parent / name}"
        )


def _make_parent(parent: Path, shown: Path, *, record: bool = False, elsewhere: str = "") -> None:
    """Make the folder an output goes into; with ``record``, each folder made here is
    marked as healcode's (and listed in its parent's marker), like a run's ``tables/``."""
    missing = []
    folder = parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    try:
        for made in reversed(missing):
            made.mkdir()
            if record:
                _write_json(
                    made / MARKER,
                    {"healcode": _version(), "created": True, "folders": [], "files": {}},
                )
                with _locked(made.parent, MARKER, made.parent / MARKER, None, wait=10.0):
                    _add_to_marker(made.parent, made.name, folder_entry=True)
    except OSError as exc:
        raise _output_error(exc, shown, elsewhere or ELSEWHERE) from None


def _make_staging(parent: Path, name: str, shown: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=_STAGING, dir=parent))
    except OSError as exc:
        raise _output_error(exc, shown) from None


def _make_public(root: Path) -> None:
    """mkdtemp/mkstemp make private folders and files; outputs get ordinary permissions."""
    mask = _umask()
    for folder, _, files in os.walk(root):
        os.chmod(folder, 0o777 & ~mask)
        for name in files:
            os.chmod(Path(folder) / name, 0o666 & ~mask)


def _swap_in(staging: Path, outdir: Path) -> None:
    """Put ``staging`` at ``outdir``; the old output, if any, is removed afterwards."""
    target = _absolute(outdir)
    if not target.exists():
        os.replace(staging, target)
        return
    if _is_current_folder(target) or staging.parent == target:  # -o ., or staged inside
        _replace_contents(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old output
        return
    aside = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.old.", suffix=_STAGING, dir=target.parent)
    )
    os.replace(target, aside / target.name)
    os.replace(staging, target)
    shutil.rmtree(aside, ignore_errors=True)


def _is_current_folder(folder: Path) -> bool:
    try:
        return Path(os.getcwd()).resolve() == folder
    except OSError:
        return False


def _replace_contents(staging: Path, target: Path) -> None:
    """Move the staged files into ``target`` itself rather than swapping folders: the
    current folder (of this command, and likely of the shell that ran it) stays the
    folder that holds the output, instead of a removed one. Each staged entry replaces
    its namesake in one rename (a folder by an atomic exchange where the system has one),
    so every file is at each moment the old one or the new one; old entries the new
    output does not have (all healcode's: ``--force`` checked) are removed last."""
    new = {entry.name for entry in staging.iterdir()}
    ours = {staging.name, f".{target.name}.lock"}  # when staged inside: ours until the end
    for entry in sorted(staging.iterdir()):
        there = target / entry.name
        if there.is_dir() and not there.is_symlink():
            if entry.is_dir() and _exchange(entry, there):
                continue  # the old folder is now in staging, removed with it
            shutil.rmtree(there)
        elif entry.is_dir() and (there.exists() or there.is_symlink()):
            there.unlink()  # a file where a folder goes: rename cannot replace it
        os.replace(entry, there)
    for old in sorted(target.iterdir()):
        if old.name not in new and old.name not in ours:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


# -- helpers -----------------------------------------------------------------------------


def _concerns(exc: OSError, staging: Path, target: Path) -> bool:
    """Whether an error while writing is about the output (not, say, an input read)."""
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    if not names:  # write() and close() name no file: a full disk, a quota, an I/O error
        return exc.errno in _WRITE_ERRORS
    ours = (f".{target.name}.", MARKER, f".{MARKER}.")  # lock, staging, marker beside it
    for name in names:
        if not isinstance(name, str | bytes):
            continue
        where = _absolute(Path(os.fsdecode(name)))
        if (
            {staging, target} & {where, *where.parents}
            or where == target.parent
            or (where.parent == target.parent and where.name.startswith(ours))
        ):
            return True
    return False


def _output_error(exc: OSError, path: Path, elsewhere: str = ELSEWHERE) -> OutputError:
    reason = exc.strerror or str(exc)
    advice = {
        errno.EACCES: f"you may not write there: {elsewhere}",
        errno.EPERM: f"you may not write there: {elsewhere}",
        errno.EROFS: f"it is on a read-only file system: {elsewhere}",
        errno.ENOSPC: f"the disk is full: free some space or {elsewhere}",
        errno.ENOTDIR: f"a part of the path is a file, not a folder: {elsewhere}",
        errno.EBUSY: f"it is in use (a mount point or the current folder?): {elsewhere}",
    }.get(exc.errno or 0, elsewhere)
    return OutputError(f"{path}: cannot be written ({reason.lower()}); {advice}")


def _absolute(path: Path) -> Path:
    """Absolute and with symlinks resolved, without requiring the path to exist."""
    return Path(os.path.realpath(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
