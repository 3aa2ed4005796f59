"""Writing a fixed file back without losing anything: an edit saved meanwhile, a link, an owner, a mode.

- The file is re-read just before it is replaced and left alone when its text is no longer
  the text that was checked (``ChangedOnDisk``): an edit saved while ``--fix`` ran wins.
  (A save in the microseconds between that comparison and the rename cannot be seen; no
  editor-independent lock exists.)
- A symbolic link is followed: its target is fixed and the link stays a link.
- Normally the new text goes to a temporary file beside the target, which takes the target's
  owner, group and mode and then replaces it with ``os.replace``: a failing disk or a crash
  leaves the original whole.
- A rename would cut a file's other hard links, and without root the temporary file cannot
  take someone else's owner or group, nor every extended attribute (ACLs, labels). Such a
  file is rewritten in place instead: copied to a backup beside it first, the backup put
  back if the write fails and removed once the new text is written. (POSIX has no atomic
  way to change a file's content in place; a crash half-way leaves the backup, whole.)
- A file with no write permission bit is refused: read-only is the user's "do not touch"
  (the rename would replace it anyway, and root could even open it for writing).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class ChangedOnDisk(Exception):
    """The file's text is no longer the text that was checked: it was saved while nnlint ran."""


class KeptInBackup(Exception):
    """An in-place write failed half-way and putting the original back failed too: the backup holds it."""


def write_fixed(path: Path, checked: str, text: str, encoding: str) -> None:
    """Replace ``path``'s text ``checked`` by ``text``; on any error the file is left as it was."""
    target = Path(os.path.realpath(path))
    status = target.stat()
    if not status.st_mode & 0o222:
        raise PermissionError(errno.EACCES, "the file is read-only", str(path))
    data = text.encode(encoding)
    if status.st_nlink > 1 or not _replace(target, status, checked, data, encoding):
        _write_in_place(target, checked, data, encoding)


def _replace(target: Path, status: os.stat_result, checked: str, data: bytes, encoding: str) -> bool:
    """Write through a temporary file and a rename; False (nothing done) when that file cannot become the
    target's equal (owner, group, extended attributes)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".nnlint-tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if not _takes_owner_and_attributes(temporary, target, status):
            os.unlink(temporary)
            return False
        os.chmod(temporary, status.st_mode & 0o7777)  # after chown, which clears set-user-id bits
        _ensure_unchanged(target, checked, encoding)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return True


def _write_in_place(target: Path, checked: str, data: bytes, encoding: str) -> None:
    original = _ensure_unchanged(target, checked, encoding)
    handle, backup = tempfile.mkstemp(prefix=f".{target.name}.backup.", suffix=".nnlint-tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(original)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(backup)
        raise
    try:
        _overwrite(target, data)
    except BaseException:
        try:
            _overwrite(target, original)
        except OSError:
            raise KeptInBackup(backup) from None
        os.unlink(backup)
        raise
    os.unlink(backup)


def _overwrite(target: Path, data: bytes) -> None:
    """Same inode: every hard link, the owner, the group, the mode and the attributes stay."""
    with open(target, "r+b") as stream:
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


def _ensure_unchanged(target: Path, checked: str, encoding: str) -> bytes:
    """The file's bytes, when they still decode to ``checked``."""
    try:
        current = target.read_bytes()
        if current.decode(encoding) == checked:
            return current
    except (OSError, UnicodeDecodeError, LookupError):
        pass
    raise ChangedOnDisk(str(target))


def _takes_owner_and_attributes(temporary: str, target: Path, status: os.stat_result) -> bool:
    made = os.stat(temporary)
    try:
        if (made.st_uid, made.st_gid) != (status.st_uid, status.st_gid):
            os.chown(temporary, status.st_uid, status.st_gid)
        for name in _extended_attributes(target):
            os.setxattr(temporary, name, os.getxattr(target, name))
    except OSError:  # not permitted: only root gives files away; some attributes are the kernel's to set
        return False
    return True


def _extended_attributes(target: Path) -> list[str]:
    if not hasattr(os, "listxattr"):
        return []
    try:
        return os.listxattr(target)
    except OSError:  # the filesystem has none
        return []
