"""The one place eventstudy writes files: inside the folder it was given, only its own, atomically.

The file-safety contract (``docs/security.md``):

* **Only inside the folder.** A target is a relative name (``figures/caar.png``) with no
  ``..``, no absolute part; its resolved path must lie inside the resolved folder.
* **Never through a symbolic link.** The target itself and every sub-folder between it and the
  folder must not be symbolic links (:class:`OutputError` naming the link). The folder the
  user named may itself be a link: it is the user's choice of place.
* **Only files it created.** Every file written is recorded with its sha256 in the folder's
  output manifest ``.eventstudy-outputs.json``. A name already taken is replaced only when the
  manifest lists it *and* its content is still what eventstudy wrote; a listed file the user
  edited since is replaced only with ``overwrite=True``. A file the manifest does not list is
  never replaced or deleted, ``overwrite=True`` or not.
* **Atomic.** Data go to a fresh temporary file in the same folder (``mkstemp``: created
  exclusively, so never through a planted link), are flushed and fsync'ed, then moved into
  place with :func:`os.replace`. Any failure (full disk, permissions) is an
  :class:`OutputError`; the temporary file is removed and the final name keeps its previous
  content (or stays absent) — never a truncated file under a final name.

:func:`atomic_write` is the low-level primitive (the price and factor caches use it in their
own folders); :class:`OutputFolder` adds the ownership rules for user-facing outputs
(``eventstudy run --out``, :func:`eventstudy.report.export`, snapshots).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath

from .exceptions import OutputError

__all__ = ["MANIFEST_NAME", "OutputFolder", "atomic_write", "is_temp_name", "refuse_symlink"]

#: the output manifest: every file eventstudy wrote in the folder, with its sha256
MANIFEST_NAME = ".eventstudy-outputs.json"
_MANIFEST_FORMAT = "eventstudy-outputs/1"
#: temporary files are ``.<final name>.<random>.tmp``
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of :func:`atomic_write`'s temporary file names."""
    return bool(_TEMP.match(name))


def refuse_symlink(path: Path) -> None:
    """Raise :class:`OutputError` if ``path`` is a symbolic link (dangling or not)."""
    if path.is_symlink():
        raise OutputError(
            f"{path} is a symbolic link (to {os.readlink(path)}); eventstudy never writes "
            "through a link: remove the link or choose another folder"
        )


#: what a file is written from: its bytes, or its pieces in order (a table too large to hold
#: as one ``bytes``, e.g. 21 million rows of abnormal returns, written block by block)
Payload = bytes | Iterable[bytes]


def _pieces(data: Payload) -> Iterable[bytes]:
    return (data,) if isinstance(data, bytes) else data


def atomic_write(
    path: Path, data: Payload, *, before_replace: Callable[[str], None] | None = None
) -> str:
    """Write ``data`` (bytes, or an iterable of byte pieces written in order) to ``path``
    atomically: temp file in the same folder, fsync, os.replace. Returns the content's sha256.

    ``before_replace(sha256)`` runs once the content is complete in the temporary file and
    before it replaces ``path`` (:class:`OutputFolder` records the file there). Refuses a
    ``path`` that is a symbolic link. Raises :class:`OutputError` if the file cannot be
    written (full disk, permissions); ``path`` then keeps its old content (or stays absent)
    and no temporary file is left behind. The parent folder must exist.
    """
    refuse_symlink(path)
    tmp: str | None = None
    digest = hashlib.sha256()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        _set_mode(fd, path)
        with os.fdopen(fd, "wb") as handle:
            for piece in _pieces(data):
                digest.update(piece)
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace(digest.hexdigest())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"could not write {path}: {exc.strerror or exc}") from exc
        raise
    _fsync_dir(path.parent)
    return digest.hexdigest()


def _umask() -> int:
    """The process's umask (read once: setting it to read it is not thread-safe)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


_UMASK: int | None = None


def _set_mode(fd: int, path: Path) -> None:
    """Give the temporary file the mode a plain ``open()`` would: the replaced file's mode, else
    ``0o666`` less the umask (``mkstemp`` creates it ``0o600``, which would make a shared report
    folder unreadable to the user's group)."""
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)
    except (OSError, AttributeError, NotImplementedError):  # e.g. no fchmod (Windows)
        pass


def _fsync_dir(folder: Path) -> None:
    # Persist the rename itself; not supported on every platform (e.g. Windows).
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


def _sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _relative_name(name: str) -> PurePosixPath:
    """``name`` as a safe relative path, else :class:`OutputError`."""
    rel = PurePosixPath(str(name).replace("\\", "/"))
    if (
        not str(name)
        or rel.is_absolute()
        or any(part in ("", ".", "..") for part in rel.parts)
        or ":" in rel.parts[0]  # a Windows drive ("C:")
        or any(ch in str(name) for ch in "\x00\r\n")
    ):
        raise OutputError(
            f"output name {name!r} is not a plain relative file name; eventstudy writes only "
            "inside the folder it was given"
        )
    return rel


class OutputFolder:
    """A folder eventstudy writes its outputs into, under the file-safety contract.

    Parameters
    ----------
    folder
        The destination (created with its parents when missing).
    overwrite
        Also replace files eventstudy wrote earlier that were edited since. Files eventstudy
        did not write are never replaced, whatever this says.
    owned
        Extra ``{name: sha256 or None}`` the caller vouches for from its own manifest (e.g. a
        snapshot's ``manifest.json``, written before the output manifest existed); ``None``
        means the content cannot be checked, so replacing it needs ``overwrite=True``.

    Raises
    ------
    OutputError
        The folder cannot be created or written, or its output manifest is unreadable.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        owned: Mapping[str, str | None] | None = None,
    ) -> None:
        self.path = Path(folder).expanduser()
        self.overwrite = overwrite
        self.root = _ensure_folder(self.path)
        self._manifest_path = self.path / MANIFEST_NAME
        self.files: dict[str, str | None] = {**dict(owned or {}), **self._read_manifest()}

    # ------------------------------------------------------------------ manifest
    def _read_manifest(self) -> dict[str, str | None]:
        path = self._manifest_path
        refuse_symlink(path)
        if not path.exists():
            return {}
        problem = f"the output manifest {path} is unreadable"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OutputError(f"{problem} ({exc}); {self._fix()}") from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict) or data.get("format") != _MANIFEST_FORMAT:
            raise OutputError(f"{problem} (not an {_MANIFEST_FORMAT} manifest); {self._fix()}")
        out: dict[str, str | None] = {}
        for name, entry in files.items():
            sha = entry.get("sha256") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not isinstance(sha, str):
                raise OutputError(f"{problem} (bad entry {name!r}); {self._fix()}")
            out[str(_relative_name(name))] = sha
        return out

    def _fix(self) -> str:
        return (
            f"delete {MANIFEST_NAME} and the outputs it listed from {self.path}, "
            "or choose another folder"
        )

    def _record(self, name: str, sha: str | None) -> None:
        """Record (``sha``) or forget (``None``) ``name``, merged with the manifest on disk (so
        two :class:`OutputFolder` objects on one folder keep each other's entries)."""
        self.files = {**self.files, **self._read_manifest()}
        key = str(_relative_name(name))
        if sha is None:
            self.files.pop(key, None)
        else:
            self.files[key] = sha
        listed = {name: {"sha256": sha} for name, sha in sorted(self.files.items()) if sha}
        text = json.dumps({"format": _MANIFEST_FORMAT, "files": listed}, indent=2)
        atomic_write(self._manifest_path, text.encode())

    # ------------------------------------------------------------------ checks
    def target(self, name: str) -> Path:
        """The path of ``name`` inside the folder; refuses links and escapes (OutputError)."""
        rel = _relative_name(name)
        if rel.name == MANIFEST_NAME or is_temp_name(rel.name):
            raise OutputError(f"output name {name!r} is reserved by eventstudy")
        path = self.path
        for part in rel.parts:
            path = path / part
            refuse_symlink(path)
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise OutputError(f"{path} resolves to {resolved}, outside the folder {self.path}")
        return path

    def conflict(self, name: str) -> str | None:
        """Why ``name`` may not be written now (``None``: it may)."""
        path = self.target(name)
        if not path.exists():
            if path.parent != self.path and path.parent.exists() and not path.parent.is_dir():
                return f"{path.parent} exists and is not a folder"
            return None
        if path.is_dir():
            return f"{path} is a folder"
        key = str(_relative_name(name))
        if key not in self.files:
            return (
                f"{path} exists and is not in the folder's list of eventstudy outputs (a file "
                "of yours, or one another eventstudy run is writing into the same folder right "
                "now); eventstudy never overwrites a file it did not write (even with "
                "overwrite): move it away or choose another folder"
            )
        recorded = self.files[key]
        if not self.overwrite and (recorded is None or _sha256_file(path) != recorded):
            return (
                f"{path} was changed since eventstudy wrote it; pass overwrite=True "
                "(CLI: --overwrite) to replace it"
            )
        return None

    def check(self, names: Iterable[str]) -> None:
        """Refuse (one :class:`OutputError` listing every problem) before anything is written."""
        problems = [why for why in (self.conflict(n) for n in names) if why is not None]
        if problems:
            raise OutputError("; ".join(problems))

    # ------------------------------------------------------------------ writing
    def write(self, name: str, data: Payload) -> Path:
        """Write ``data`` (bytes or byte pieces, :func:`atomic_write`) as ``name`` and record
        it in the output manifest."""
        self.check([name])
        path = self.target(name)
        if path.parent != self.path:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
            self.target(name)  # a link planted meanwhile
        # Recorded before the file is replaced: a process killed in between leaves a listed
        # file (which a re-run replaces, or with overwrite=True if the old content is still
        # there), never an unlisted one that only the user could remove. Bytes are recorded
        # before anything is written; pieces once their content is complete in the
        # temporary file (their hash is known only then).
        key = str(_relative_name(name))
        before = self.files.get(key)
        recorded = False

        def record(sha: str) -> None:
            nonlocal recorded
            try:
                self._record(name, sha)
            except OutputError as exc:  # the output is not written: say which one, and why
                why = getattr(exc.__cause__, "strerror", None) or str(exc)
                raise OutputError(f"could not write {path}: {why}") from exc
            recorded = True

        if isinstance(data, bytes):
            record(hashlib.sha256(data).hexdigest())
        _sweep_temp_files(path)
        try:
            atomic_write(path, data, before_replace=None if recorded else record)
        except BaseException:
            if recorded:
                with contextlib.suppress(OutputError):
                    self._record(name, before)
            raise
        return path

    def write_text(self, name: str, text: str) -> Path:
        """:meth:`write` of UTF-8 text."""
        return self.write(name, text.encode("utf-8"))

    def write_all(self, payloads: Mapping[str, Payload]) -> dict[str, Path]:
        """Check every name first, then write each: nothing is written if one is refused."""
        self.check(payloads)
        return {name: self.write(name, data) for name, data in payloads.items()}

    def owns(self, name: str) -> bool:
        """Whether the manifest (or ``owned``) lists ``name``."""
        return str(_relative_name(name)) in self.files

    def remove(self, name: str) -> None:
        """Delete ``name`` if eventstudy wrote it (same rules as replacing it); else refuse."""
        path = self.target(name)
        if not path.exists():
            return
        why = self.conflict(name)
        if why is not None:
            raise OutputError(f"will not delete: {why}")
        try:
            path.unlink()
        except OSError as exc:
            raise OutputError(f"cannot delete {path}: {exc.strerror or exc}") from None
        self._record(name, None)


def _sweep_temp_files(path: Path) -> None:
    """Remove the temporary files of earlier, killed writes of ``path`` (``.<name>.*.tmp``):
    ours by name, and about to be superseded."""
    prefix = f".{path.name}."
    for other in path.parent.iterdir():
        name = other.name
        if name.startswith(prefix) and is_temp_name(name) and not other.is_symlink():
            with contextlib.suppress(OSError):
                if other.is_file():
                    other.unlink()


def _ensure_folder(folder: Path) -> Path:
    """Create ``folder`` and prove a file can be created in it; returns its resolved path.

    The probe is a fresh ``mkstemp`` file (created exclusively, never through a link).
    """
    if folder.exists() and not folder.is_dir():  # was: "... is not writable: File exists"
        raise OutputError(
            f"output folder {folder} exists and is a file, not a folder; choose another folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".eventstudy-write-test.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"output folder {folder} is not writable: {exc.strerror or exc}"
        ) from None
    return folder.resolve()
