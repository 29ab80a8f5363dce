"""Writing outputs safely: check the target first, write to a temporary name, move it into
place; and interrupts that leave the old file or nothing (docs/reliability.md).

Every command that writes a file calls `guard_output(path, kind, force)` before it
computes anything, then writes inside `replacing(path)`:

    out = guard_output(args.output, "result", args.force)
    ...
    with replacing(out) as tmp:
        tmp.write_bytes(data)

`guard_output` refuses, with an exit-2 message: a folder, a device, a pipe or a socket,
a symbolic link, a path under a file, a name too long, a read-only file system, and any
existing file that is not a citypaths output of the same `kind`; an existing citypaths
output of that kind is replaced only when `force` is true. `replacing` writes to
`.<name>.<pid>.<random>.part` beside the target, syncs it, and renames it over the target
(atomic on one file system); on an error or an interrupt the temporary file is removed, and
`.part` files left by a killed process (SIGKILL, power loss) are removed by the next write
to the same path.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import signal
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from sim.errors import CitypathsError


class OutputError(CitypathsError, OSError):
    """An output that cannot or must not be written (exit status 2)."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; raised so that every `replacing` block cleans up."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


# ------------------------------------------------------------------ kinds of output

_HDF5 = b"\x89HDF\r\n\x1a\n"
_PNG = b"\x89PNG\r\n\x1a\n"


def _head(path: Path, n: int = 4096) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def _is_result(path: Path) -> bool:
    """A NetCDF file written by `citypaths run` (its `format` attribute says so)."""
    if not _head(path, 8).startswith(_HDF5):
        return False
    try:
        import h5py

        with h5py.File(path, "r") as fh:
            fmt = fh.attrs.get("format")
    except Exception:  # a damaged file is not recognisably ours: refuse to replace it
        return False
    if isinstance(fmt, bytes):
        fmt = fmt.decode("utf-8", "replace")
    return isinstance(fmt, str) and fmt.startswith("citypaths-result")


def _is_zarr_result(path: Path) -> bool:
    """A Zarr store (a folder) whose attributes carry the citypaths result format."""
    for name in (".zattrs", "zarr.json"):
        head = _head(path / name, 1 << 20)
        if b'"citypaths-result' in head or b'"citypaths-batch' in head:
            return True
    return False


def _is_baseline(path: Path) -> bool:
    """A city baseline file written by `citypaths import-baseline`."""
    return b"Written by `citypaths import-baseline`" in _head(path)


def _is_csv(path: Path) -> bool:
    """A CSV whose first line is a comment naming citypaths (`# citypaths ...`)."""
    return _head(path, 64).startswith(b"# citypaths")


def _is_png(path: Path) -> bool:
    """A PNG with a text chunk `Software: citypaths ...` (matplotlib metadata)."""
    head = _head(path, 1 << 16)
    return head.startswith(_PNG) and b"Software\x00citypaths" in head


def _is_html(path: Path) -> bool:
    """An HTML page with `<meta name="generator" content="citypaths ...">`."""
    return b'name="generator" content="citypaths' in _head(path)


def _is_iamc(path: Path) -> bool:
    """An IAMC table from `citypaths export`: the IAMC header, then rows whose model is
    citypaths."""
    lines = _head(path, 4096).split(b"\n")
    return (
        len(lines) > 1
        and lines[0].strip() == b"model,scenario,region,variable,unit,year,value"
        and lines[1].startswith(b"citypaths ")
    )


def _is_tidy_csv(path: Path) -> bool:
    """A tidy table from `citypaths export --format csv` (its own header)."""
    return _head(path, 256).startswith(b"variable,unit,scenario,draw,city,")


def _is_xlsx(path: Path) -> bool:
    """An Excel workbook whose document properties name citypaths as its creator."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as book:
            return b"<dc:creator>citypaths" in book.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _is_svg(path: Path) -> bool:
    """An SVG chart from `citypaths plot` (its metadata names citypaths)."""
    head = _head(path, 1 << 16)
    return b"<svg" in head and b"citypaths" in head


#: kind -> how to recognise an existing output of that kind (True: ours, may be replaced
#: with --force). Commands that write a new kind register it with `register_kind`.
KINDS: dict[str, Callable[[Path], bool]] = {
    "result": _is_result,
    "zarr": _is_zarr_result,
    "baseline": _is_baseline,
    "csv": _is_csv,
    "png": _is_png,
    "html": _is_html,
    "iamc": _is_iamc,
    "tidy-csv": _is_tidy_csv,
    "xlsx": _is_xlsx,
    "svg": _is_svg,
}
#: kinds whose output is a folder rather than a file
FOLDER_KINDS = {"zarr"}

#: bytes the temporary name adds to the target's name: "." + ".<pid>.<16 hex>.part"
_TMP_EXTRA = 1 + 1 + 10 + 1 + 16 + 5


def register_kind(kind: str, recognise: Callable[[Path], bool], *, folder: bool = False) -> None:
    """Add a kind of output: `recognise(path)` says whether an existing path is one."""
    KINDS[kind] = recognise
    if folder:
        FOLDER_KINDS.add(kind)


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def guard_output(path: str | Path, kind: str, force: bool = False) -> Path:
    """Check that `path` may be written as an output of `kind` (a key of KINDS); returns it.

    Raises OutputError (exit 2) if the path is a folder (for a file kind), a device, pipe,
    socket or symbolic link, lies under a file, has a name too long for the file system,
    is on a read-only file system, or exists and is not a citypaths output of this kind;
    an existing output of this kind is refused unless `force` is true. Call it before the
    work, so that a run is not wasted on an output that cannot be written.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise OutputError(f"{path}: expected a file name")
    # the nearest folder that exists must be a folder (not a file the path lies under)
    ancestor = path.parent
    while not ancestor.exists() and not ancestor.is_symlink() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputError(f"{path}: {ancestor} is a file, not a folder; choose another path")
    limit = _name_max(ancestor if ancestor.exists() else Path("."))
    size = len(os.fsencode(path.name))
    if size + _TMP_EXTRA > limit:
        raise OutputError(
            f"{path.name[:40]}...: the file name has {size} bytes; at most "
            f"{limit - _TMP_EXTRA} fit this file system (with the temporary name it is first "
            "written under)"
        )
    try:
        read_only = ancestor.exists() and bool(os.statvfs(ancestor).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    if read_only:
        raise OutputError(f"{path}: {ancestor} is on a read-only file system; nothing was written")
    if path.is_symlink():
        raise OutputError(
            f"{path}: is a symbolic link; citypaths does not write through links (give the "
            "real path, or another name)"
        )
    if not path.exists():
        return path
    mode = path.lstat().st_mode
    folder_kind = kind in FOLDER_KINDS
    if stat.S_ISDIR(mode) and not folder_kind:
        raise OutputError(f"{path}: is a folder; give a file name")
    if not (stat.S_ISREG(mode) or (folder_kind and stat.S_ISDIR(mode))):
        raise OutputError(
            f"{path}: exists and is not a regular file (a device, pipe or socket); "
            "citypaths never replaces it"
        )
    if not KINDS[kind](path):
        raise OutputError(
            f"{path}: exists and is not a citypaths {kind} file; citypaths never replaces "
            "it (choose another name, or move it away yourself)"
        )
    if not force:
        raise OutputError(
            f"{path}: exists (a citypaths {kind} file); give --force to replace it, or "
            "choose another name"
        )
    return path


# ------------------------------------------------------------------ interrupts

_received: list[int] = []  # signals received since the handlers were installed


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Interrupted(signum)


def install_signal_handlers() -> dict[int, Any]:
    """Turn SIGINT and SIGTERM into `Interrupted`, and remember them: an interrupt that
    lands where Python cannot raise it (a finalizer) still stops the next rename into
    place, and the command still exits non-zero. Returns the previous handlers (for
    `restore_signal_handlers`); outside the main thread nothing is changed."""
    _received.clear()
    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, _on_signal)
    except ValueError:  # not the main thread: signals go to the main thread anyway
        restore_signal_handlers(previous)
        return {}
    return previous


def restore_signal_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def interrupted() -> int | None:
    """The first signal received since the handlers were installed, if any."""
    return _received[0] if _received else None


# ------------------------------------------------------------------ writing

_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{16}\.part$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(path: Path) -> list[Path]:
    """Remove `.part` files of `path` left by processes that no longer run."""
    removed = []
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _STALE.match(entry.name)
        if match and match["name"] == path.name and not _alive(int(match["pid"])):
            try:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_HINTS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EISDIR: "a folder is in the way",
    errno.ENOTDIR: "a file is in the way of a folder",
    errno.EFBIG: "the file is too large for the file system",
    errno.EIO: "an input/output error",
}


def output_error(path: Path, exc: OSError) -> OutputError:
    """A clear message for an operating-system error while writing `path`."""
    detail = exc.strerror or _HINTS.get(exc.errno or -1) or str(exc)
    text = f"{path}: cannot write the file: {detail}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc):
        text += " (free some space, or write elsewhere with -o)"
    return OutputError(text + "; nothing was written")


def temporary_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.part"


@contextmanager
def replacing(path: str | Path, *, folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the same folder as `path`; once the block has written it,
    sync it to disk and rename it over `path` (atomic on one file system). If the block
    fails or is interrupted, the temporary file is removed and `path` is left as it was.
    An operating-system error (a full disk, a read-only folder) becomes an OutputError.
    The new file gets ordinary permissions (as the umask allows), not private ones.

    With `folder=True` the temporary path is an empty folder (for a Zarr store); an old
    folder is moved aside, the new one renamed into place, then the old one removed.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(path)
        tmp = temporary_name(path)
        if folder:
            tmp.mkdir()
        else:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        yield tmp
        if tmp.is_file():
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            tmp.chmod(0o666 & ~_umask())
        if _received:  # an interrupt that could not be raised where it landed
            raise Interrupted(_received[0])
        if folder and path.is_dir():
            old = temporary_name(path)
            os.replace(path, old)
            os.replace(tmp, path)
            tmp = old  # removed below
        else:
            os.replace(tmp, path)
            tmp = None
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(path, exc) from None
    finally:
        if tmp is not None:
            _discard(tmp)


def _discard(tmp: Path) -> None:
    try:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass
