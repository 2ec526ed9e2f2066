"""Backups: `heluo backup` writes one archive (database, uploaded files, manifest); `heluo restore` checks it,
restores it and proves by the manifest's table hashes that the data came back whole.

backup(output) -> Path, restore(archive, confirm=…) -> RestoreReport, verify(archive) -> manifest, prune(folder,
keep_days) are what commands and scheduled jobs call.
"""

from .archive import RestoreReport, backup, prune, restore, verify

__all__ = ["RestoreReport", "backup", "prune", "restore", "verify"]
