"""The database file on disk: odd paths, permissions, private copies and disk errors, in Danish.

``db.writer`` never changes the live file in place: it copies it beside itself, works on the
copy and replaces the live file with it. This module owns everything about those files that
is not DuckDB:

- **checks before opening** (``check_for_reading``, ``check_for_writing``): a directory given
  as the database, a missing parent folder (usually a typo: refused, naming the folder, never
  created silently), a file that is not a DuckDB database, a read-only database or folder, and
  a write that would take the file away from its owner. Each refusal is a ``DatabaseError``
  with a Danish message that says where and what to do; nothing is created on the way.
- **private copies** (``new_copy``, ``copy_database``, ``publish``, ``discard``): the copy
  gets the live file's mode and group (and owner, when root writes), so a database shared by
  a service user and a consultant stays shared after a write. A non-root writer cannot keep
  another owner: the new file is the writer's, which is refused when the old owner would
  lose access by it (``check_for_writing``).
- **stale copies** (``remove_stale_copies``): a copy is named ``<db>.tmp-XXXXXXXX`` (plus
  DuckDB's ``.wal``). Every process that makes one holds the writer's lock (``<db>.lock``)
  until it has removed it, and a killed process loses its lock; so whoever holds the lock
  knows that any such file is left over from a crash and removes it.
- **disk errors** (``disk_error``): a full disk (or quota, or file size limit) at the copy,
  the commit or the checkpoint becomes one Danish message; the live file is untouched.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import re
import shutil
import stat
import tempfile
from pathlib import Path

from evaluation.errors import DatabaseError

COPY_MARK = ".tmp-"
# mkstemp's random part: 8 characters of [a-z0-9_]. Nothing else we make looks like this.
_COPY_PATTERN = r"\.tmp-[a-z0-9_]{8}(\.wal)?"
# Backups (ssp-eval backup, before a migration, before a restore) live beside the database, in
# a folder the team can see and copy elsewhere.
BACKUP_DIR_NAME = "sikkerhedskopier"
_BACKUP_COPY_PATTERN = r".+\.duckdb\.tmp-[a-z0-9_]{8}"


def backup_dir(db_path: Path) -> Path:
    return Path(db_path).parent / BACKUP_DIR_NAME
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DISK_FULL_TEXTS = ("No space left on device", "Disk quota exceeded", "File too large")


def _refuse_folder(db_path: Path) -> None:
    if db_path.is_dir():
        raise DatabaseError(
            f"{db_path} er en mappe, ikke en databasefil. Angiv filen, fx {db_path / 'ssp-evaluering.duckdb'}, "
            "med --db eller SSP_EVAL_DB.")


def check_for_reading(db_path: Path) -> None:
    """Refuse, in Danish, a path that can never be read as our database."""
    _refuse_folder(db_path)
    if not db_path.exists():
        raise DatabaseError(
            f"Databasen {db_path} findes ikke. Opret den med 'ssp-eval init' "
            "eller indlæs sager med 'ssp-eval ingest'.")
    if not os.access(db_path, os.R_OK):
        raise DatabaseError(f"Du har ikke adgang til at læse databasen {db_path} (filens rettigheder). "
                            "Bed den, der ejer filen, om at give din gruppe læseadgang.")
    check_is_duckdb(db_path)


def check_is_duckdb(path: Path) -> None:
    """A file that does not start like a DuckDB database is refused before DuckDB sees it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise DatabaseError(f"Filen {path} kunne ikke læses ({exc.strerror}).") from exc
    if len(head) < 12 or head[8:12] != DUCKDB_MAGIC:
        raise DatabaseError(
            f"Filen {path} er ikke en SSP-evaluering-database (den er slet ikke en DuckDB-database). "
            "Vælg den rigtige databasefil med --db eller SSP_EVAL_DB.")


def damaged(path: Path) -> DatabaseError:
    """The message for a DuckDB file that DuckDB cannot read (truncated, overwritten, bad checksum)."""
    return DatabaseError(
        f"Databasen {path} er beskadiget og kan ikke læses (den er ufuldstændig eller ændret uden for "
        f"programmet). Gendan den seneste sikkerhedskopi med 'ssp-eval restore FIL'; kopierne ligger i "
        f"{path.parent / 'sikkerhedskopier'}.")


def check_for_writing(db_path: Path) -> None:
    """Refuse, in Danish, a write that could not be published or would take access from someone.

    Checked before the lock is taken, so a refused write leaves no ``.lock`` behind.
    """
    parent = db_path.parent
    _refuse_folder(db_path)
    if not parent.is_dir():
        raise DatabaseError(
            f"Mappen {parent} findes ikke, så databasen {db_path.name} kan ikke gemmes der. Ret stien "
            "(--db eller SSP_EVAL_DB), eller opret mappen først, hvis den er rigtig.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"Mappen {parent} er skrivebeskyttet, så databasen kan ikke gemmes. Hver gemning skriver en ny "
            "fil ved siden af den gamle og bytter dem: du skal have skriveadgang til mappen.")
    if not db_path.exists():
        return
    check_is_duckdb(db_path)
    info = db_path.stat()
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(db_path, os.W_OK):
        raise DatabaseError(
            f"Databasen {db_path} er skrivebeskyttet for dig, så den ændres ikke. Fjern skrivebeskyttelsen "
            "(filens rettigheder), hvis den skal kunne ændres, eller arbejd på en kopi.")
    lost = _owner_would_lose_access(info)
    if lost:
        raise DatabaseError(lost)


def _owner_would_lose_access(info: os.stat_result) -> str | None:
    """Why a write by this (non-root) user would cut the file's owner off, or None.

    The written file belongs to the writer (only root can give a file away); it keeps the old
    file's group and mode. The old owner then reaches it through the group or "others", which
    is enough to read and write (a write only replaces the file) when those bits allow it.
    """
    me = os.geteuid()
    if me == 0 or info.st_uid == me:
        return None
    mode = info.st_mode
    if mode & stat.S_IROTH and mode & stat.S_IWOTH:
        return None
    if mode & stat.S_IRGRP and mode & stat.S_IWGRP and _is_member(info.st_uid, info.st_gid):
        return None
    owner, group = _user_name(info.st_uid), _group_name(info.st_gid)
    return (f"Databasen ejes af {owner}. Skriver du i den, bliver du ejer af filen, og {owner} mister adgangen, "
            f"fordi gruppen {group} ikke har læse- og skriveadgang for {owner}. Giv gruppen {group} adgang "
            f"(chmod g+rw) med {owner} som medlem, eller lad {owner} lave ændringen.")


def _is_member(uid: int, gid: int) -> bool:
    try:
        user = pwd.getpwuid(uid)
    except KeyError:
        return False
    if user.pw_gid == gid:
        return True
    try:
        return user.pw_name in grp.getgrgid(gid).gr_mem
    except KeyError:
        return False


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"bruger {uid}"


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return f"{gid}"


def new_copy(db_path: Path) -> Path:
    """A fresh, empty name for a private copy beside ``db_path`` (call with the lock held)."""
    fd, name = tempfile.mkstemp(prefix=db_path.name + COPY_MARK, dir=db_path.parent)
    os.close(fd)
    return Path(name)


def copy_database(source: Path, target: Path, *, like: Path | None = None) -> None:
    """Copy ``source`` to ``target`` and give it the mode and group (and, as root, owner) of ``like``.

    A full disk or a refused read becomes a Danish ``DatabaseError``; the caller removes the
    partial ``target``.
    """
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise disk_error(exc, target) from exc
    keep_permissions(like or source, target)


def keep_permissions(original: Path, target: Path) -> None:
    """Give ``target`` the permission bits and group of ``original`` (owner too when root).

    A group the writer is not in cannot be kept (the kernel refuses): then the write is
    refused rather than published with a group that shuts the others out.
    """
    info = original.stat()
    os.chmod(target, stat.S_IMODE(info.st_mode))
    mine = target.stat()
    uid = info.st_uid if os.geteuid() == 0 else -1
    if mine.st_gid != info.st_gid or (uid != -1 and mine.st_uid != uid):
        try:
            os.chown(target, uid, info.st_gid)
        except PermissionError as exc:
            raise DatabaseError(
                f"Databasen {original} tilhører gruppen {_group_name(info.st_gid)}, som du ikke er medlem af. "
                "En ændring ville give filen en anden gruppe og lukke de andre ude; intet er ændret. "
                "Bed om at blive medlem af gruppen.") from exc
        os.chmod(target, stat.S_IMODE(info.st_mode))  # chown may clear setgid bits


def publish(copy: Path, db_path: Path) -> None:
    """Atomically put the finished copy in place of the live file, and make the rename durable."""
    try:
        os.replace(copy, db_path)
    except OSError as exc:
        raise disk_error(exc, db_path) from exc
    try:
        fd = os.open(db_path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)  # the new directory entry survives a power cut
    except OSError:
        pass
    finally:
        os.close(fd)


def discard(copy: Path) -> None:
    """Remove a private copy and DuckDB's write-ahead log of it (on success and on every failure)."""
    for leftover in (copy, copy.with_name(copy.name + ".wal")):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            pass  # a stale copy is removed at the next write (remove_stale_copies)


def is_stale_copy_name(db_path: Path, candidate: str) -> bool:
    """True for ``<db name>.tmp-XXXXXXXX`` and its ``.wal``: the only names our copies get."""
    return re.fullmatch(re.escape(db_path.name) + _COPY_PATTERN, candidate) is not None


def remove_stale_copies(db_path: Path) -> list[Path]:
    """Remove copies left by crashed writers and backups (call with the writer's lock held).

    Safe because every live copy belongs to the lock's holder: a name of our pattern found
    while we hold the lock was left by a process that died holding it. Backups are written
    under the same lock, as ``<backup>.duckdb.tmp-XXXXXXXX`` in the backup folder.
    """
    removed: list[Path] = []
    for folder, matches in ((db_path.parent, lambda n: is_stale_copy_name(db_path, n)),
                            (backup_dir(db_path), lambda n: re.fullmatch(_BACKUP_COPY_PATTERN, n) is not None)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in filter(matches, names):
            try:
                (folder / name).unlink()
                removed.append(folder / name)
            except OSError:
                pass
    return removed


def is_disk_full(exc: BaseException) -> bool:
    """True for a full disk, a full quota or a file size limit, from the OS or from DuckDB."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    return any(text in str(exc) for text in DISK_FULL_TEXTS)


def disk_error(exc: BaseException, where: Path) -> DatabaseError | BaseException:
    """A Danish ``DatabaseError`` for a disk problem while writing ``where``; other errors as they are."""
    folder = where.parent
    if is_disk_full(exc):
        return DatabaseError(
            f"Der er ikke plads nok på disken i {folder} til at gemme databasen. Intet er ændret: databasen er "
            "som før. Frigør plads (fx gamle sikkerhedskopier i sikkerhedskopier/) og prøv igen; en gemning "
            "kræver ledig plads svarende til databasens størrelse og lidt til.")
    if isinstance(exc, PermissionError):
        return DatabaseError(f"Du har ikke adgang til at skrive i {folder} (mappens eller filens rettigheder). "
                             "Intet er ændret.")
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return DatabaseError(f"Mappen {folder} ligger på et skrivebeskyttet drev. Intet er ændret.")
    return exc
