"""`triage-tui cache rebuild` and `triage-tui outbox export`: the person's own work out
of a cache that may be damaged, and a new cache filled from the servers around it.

Nothing here deletes a cache file: the old one is moved aside (`cache.db.damaged-<time>`,
or `.before-rebuild-<time>` when it was sound), since what could not be salvaged may
still be read out of it by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_tui.config import Settings, with_source
from triage_tui.domain.sync_report import SyncReport
from triage_tui.store.errors import CacheDamaged, CacheMissing
from triage_tui.store.health import RESTORED, Salvage, move_aside, problem, restore, salvage

#: The export's format, for whoever reads the file back (a person, a script, support).
EXPORT_FORMAT = "triage-tui outbox export"


def _salvage_or_nothing(path: Path) -> Salvage:
    """What can be read of the file; nothing (and why, in `lost`) when nothing can."""
    try:
        return salvage(path)
    except CacheDamaged as error:
        return Salvage(lost=[str(error)])


def _decoded(text: Any) -> Any:
    """A JSON column as data (a damaged row may hold something else: kept as text)."""
    if not isinstance(text, str) or not text:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def export_outbox(cache_path: Path, out: Path, *, now: datetime) -> tuple[int, list[str]]:
    """Write the edits not yet on GitLab (pending, refused, in conflict) and the drafts
    of the cache at `cache_path` to `out` as JSON; (edits written, what was lost). Reads
    the file without writing to it: works on a read-only, damaged or newer cache too."""
    found = _salvage_or_nothing(cache_path)
    edits = [
        {
            "id": row.get("id"),
            "state": row.get("state"),
            "issue_iid": row.get("issue_iid"),
            "kind": row.get("kind"),
            "author": row.get("author"),
            "created_at": row.get("created_at"),
            "error": row.get("error"),
            "edit": _decoded(row.get("payload")),
            "seen": _decoded(row.get("base")),
            "gitlab": _decoded(row.get("remote")),
        }
        for row in found.waiting
    ]
    document = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "cache": str(cache_path),
        "exported_at": now.isoformat(),
        "source": found.meta,
        "edits": edits,
        "drafts": [row for row in found.rows.get("drafts", []) if row.get("body")],
        "new_issues": found.rows.get("issues", []),
        "lost": found.lost,
    }
    # 0600: the edits carry the issues as the person saw them (what their token reads).
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return len(edits), found.lost


@dataclass
class Rebuilt:
    """What a rebuild did, for the CLI to say."""

    report: SyncReport | None = None
    """The sync that filled the new cache (None when the rebuild stopped before it)."""
    installed: bool = False
    """The new cache is in place (the old one moved aside)."""
    aside: Path | None = None
    damage: str = ""
    """What was wrong with the old file ("" when it was sound)."""
    kept: int = 0
    """Edits not on GitLab yet carried into the new cache."""
    drafts: int = 0
    lost: list[str] = field(default_factory=list)

    def lines(self, path: Path) -> list[str]:
        said = [f"The old cache was {self.damage}." if self.damage else ""]
        if self.installed and self.report is not None and self.report.ok:
            said.append(f"Rebuilt {path} from the servers. {self.report.summary()}")
        elif self.installed:
            error = self.report.error if self.report is not None else ""
            said.append(
                f"Rebuilt {path} with your own work only: the servers could not be read "
                f"({error}). Run `triage-tui sync` when they can."
            )
        else:
            error = self.report.error if self.report is not None else "not started"
            said.append(f"Nothing changed: the sync failed ({error}); {path} is as it was.")
        if self.installed:
            said.append(
                f"Kept {self.kept} edit{'s' if self.kept != 1 else ''} not yet on GitLab and "
                f"{self.drafts} draft{'s' if self.drafts != 1 else ''} (`triage-tui outbox` "
                "lists what still waits)."
            )
        if self.aside is not None:
            said.append(f"The old file is kept at {self.aside}.")
        said += [f"Lost (could not be read): {what}." for what in self.lost]
        return [line for line in said if line]


def _remove_with_companions(path: Path) -> None:
    """A half-made rebuild of ours (never the person's cache)."""
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            file.unlink()


def rebuild_cache(
    settings: Settings,
    open_service: Callable[[Path, Settings], Any],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Rebuilt:
    """Refill the cache from the servers, keeping the person's own rows (the outbox in
    every state, drafts, the ER calls' record, new issues not on GitLab yet).

    A new cache is made next to the old one, the salvaged rows written into it and a
    full sync run into it (which pushes the waiting edits first). Then the old file is
    moved aside and the new one takes its place. When the sync fails the new cache is
    put in place only if the old one was unusable (damaged, not SQLite, too new): a
    sound cache is not swapped for an emptier one.

    `open_service(path, settings)`: the service on a cache path (the CLI's, so the new
    cache gets the same mode, private or team)."""
    path = settings.cache_path
    if not path.exists():
        raise CacheMissing(f"No cache at {path} to rebuild: `triage-tui sync` makes one.")
    result = Rebuilt(damage=problem(path))
    found = _salvage_or_nothing(path)
    result.lost = list(found.lost)
    settings = with_source(
        settings, found.meta.get("gitlab_url", ""), found.meta.get("project", "")
    )
    fresh = path.with_name(f"{path.name}.rebuilding")
    _remove_with_companions(fresh)  # a rebuild cut off before its swap
    service = open_service(fresh, settings)
    try:
        # Pulled before the edits are restored: a push stores the pushed issue as GitLab
        # answered, and the pull after it would then see it unchanged and never fetch its
        # older notes (there are none yet in a new cache).
        result.lost += restore(service._cache(), found, RESTORED[:-1])
        result.report = service.sync(full=True)
        result.lost += restore(service._cache(), found, ("outbox",))
        result.kept = len(found.waiting)
        result.drafts = sum(1 for row in found.rows.get("drafts", []) if row.get("body"))
        if result.report.ok and result.kept:
            pushed = service.sync()  # the restored edits, pushed (and what they changed)
            result.report = replace(result.report, pushed=pushed.pushed, error=pushed.error)
    finally:
        service.close()
    if not result.report.ok and not result.damage:
        _remove_with_companions(fresh)
        return result
    label = (
        "before-rebuild"
        if not result.damage
        else "newer"
        if result.damage.startswith("written by a newer")
        else "damaged"
    )
    result.aside = move_aside(path, label, now())
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{fresh}{suffix}").exists():
            os.rename(f"{fresh}{suffix}", f"{path}{suffix}")
    result.installed = True
    return result
