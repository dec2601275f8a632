"""Private files: personal data is written 0600 in 0700 folders, and never inside the repository by mistake.

Every writer of the private area (the store, exports, rejects, backups, the
outbox) uses these helpers, so a person's data is readable by the account
that runs Vivier only. SQLite's -wal, -shm and -journal files take the
database file's permissions, so a store created 0600 keeps them private; the
process umask is never changed (other threads write the public site).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


class PrivatePathError(ValueError):
    """A private file would land where git could pick it up; the message says where to put it instead."""


def make_private_dir(path: str | os.PathLike) -> Path:
    """Create `path` and its missing parents as 0700 (existing parents are left as they are)."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made by another process in the meantime
            pass
        os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def restrict(path: str | os.PathLike, mode: int = FILE_MODE) -> None:
    """Bring an existing file or folder down to `mode` if it is more open (0644 from an older Vivier)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):  # gone, or not ours to change
        if os.stat(path).st_mode & 0o777 != mode:
            os.chmod(path, mode)


def temporary_of(path: Path) -> Path:
    """The temporary name this process writes `path` under before renaming it into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def temporaries_of(path: str | os.PathLike) -> list[Path]:
    """Every temporary copy of `path` left beside it (`.NAME.PID.tmp`): by a writer still running, or by
    one killed before its rename. Each is a full or partial copy of the private data."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.\d+\.tmp(-journal|-wal|-shm)?")
    with contextlib.suppress(OSError):
        return sorted(p for p in path.parent.iterdir() if pattern.fullmatch(p.name))
    return []


def remove_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary copies of `path` left by interrupted writers; returns those removed."""
    removed = []
    for found in temporaries_of(path):
        with contextlib.suppress(FileNotFoundError):
            found.unlink()
            removed.append(found)
    return removed


def write_private(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write `data` atomically (temporary file, then rename) as a 0600 file in a 0700 folder (created if missing)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not path.parent.exists():
        make_private_dir(path.parent)
    temporary = temporary_of(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def repository_of(path: Path) -> Path | None:
    """The git work tree holding `path` (or where it would be created), if any."""
    probe = path.resolve().parent
    while not probe.exists():
        probe = probe.parent
    try:
        found = subprocess.run(["git", "-C", str(probe), "rev-parse", "--show-toplevel"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else None


def check_outside_git(path: str | os.PathLike, what: str) -> Path:
    """Refuse a private file inside a git work tree unless git ignores it (`git check-ignore`)."""
    path = Path(path).expanduser().absolute()
    root = repository_of(path)
    if root is None:
        return path
    ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", str(path)],
                             capture_output=True, timeout=30)
    if ignored.returncode != 0:
        raise PrivatePathError(
            f"{path}: refusing to write the {what} (personal data) inside the git repository {root}, "
            "where git does not ignore it; write it under the git-ignored var/ folder (for example "
            f"var/{path.name}) or outside the repository")
    return path
