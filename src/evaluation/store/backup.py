"""Consistent copies of the database file.

The writer never changes the live file in place: it replaces it atomically with a finished,
checkpointed copy (``db.writer``). A plain file copy of the live file is therefore always a
consistent database (the old one or the new one, never a mix), even while dashboards read.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

BACKUP_DIR_NAME = "sikkerhedskopier"


def backup_dir(db_path: Path) -> Path:
    """Backups live beside the database, in a folder the team can see and copy elsewhere."""
    return Path(db_path).parent / BACKUP_DIR_NAME


def before_migration(db_path: Path, target: str) -> Path:
    """Copy the live file before a migration to ``target``; kept until the team deletes it.

    Named by the time and the migration, so a failing write that retries the migration does
    not pile up copies of the same moment.
    """
    folder = backup_dir(db_path)
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = folder / f"{Path(db_path).stem}-{stamp}-inden-{target}.duckdb"
    shutil.copy2(db_path, out)
    return out
