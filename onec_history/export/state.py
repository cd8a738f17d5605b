"""The incremental-export state: which events were exported, at which ``DataVersion``.

The state file is a small SQLite database (stdlib ``sqlite3``; nothing to install)::

    meta(key TEXT PRIMARY KEY, value TEXT)
        format   = "onec-history/export-state/2"
        base     = service root without credentials
        event_set (the event documents, comma-separated: family C has six), scope (the filters
        other than the period, as canonical JSON), since, until, updated (ISO time of the last
        successful run), events (row count)
    events(entity_set TEXT, ref TEXT, version TEXT NOT NULL, deleted INTEGER NOT NULL,
           PRIMARY KEY (entity_set, ref)) WITHOUT ROWID
        entity_set = the event's document set, ref = Ref_Key, version = DataVersion,
        deleted = DeletionMark at the last export

Each document set is scanned, diffed and fetched on its own (a family-C base keeps its events in
six interaction documents): a position in the scan is a position in that set's query, and an
event gone from the scan is asked for in its own set. A state of format 1 (one set, no
``entity_set`` column) is read as the set its meta names and rewritten as format 2 by the next run.

SQLite rather than JSON because a state holds one row per event of the period — a million
rows would be a 70 MB JSON document parsed into memory on every run; here the diff between
the last state and the current scan is a join on disk, and memory stays flat.

A run never touches the old file. :meth:`StateFile.begin` builds the new state in a
temporary file in the same directory (with the old one attached read-only), and
:meth:`StateRun.commit` moves it into place with ``os.replace`` — only after the export
itself succeeded. An interrupted run deletes its temporary file; the old state stays as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from ..errors import ConfigError
from ..local.sqlite import owned_by
from ..transport import base_key

__all__ = ["CHANGE_CHANGED", "CHANGE_DELETED", "CHANGE_NEW", "CHANGE_WAS_MARKED", "FORMAT", "FORMAT_1", "DiffCounts",
           "StateFile", "StateRun", "scope_key"]

FORMAT = "onec-history/export-state/2"
FORMAT_1 = "onec-history/export-state/1"  # one set, events(ref, version, deleted): still read
_FORMATS = (FORMAT, FORMAT_1)

CHANGE_NEW = "new"  # not in the last state
CHANGE_CHANGED = "changed"  # DataVersion differs
CHANGE_DELETED = "deleted"  # newly marked for deletion (DeletionMark became true)
CHANGE_WAS_MARKED = "changed:marked"  # changed, and already marked for deletion at the last run

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS events(entity_set TEXT NOT NULL, ref TEXT NOT NULL, version TEXT NOT NULL,
                                  deleted INTEGER NOT NULL, PRIMARY KEY (entity_set, ref)) WITHOUT ROWID;
"""
# Work tables of one run; dropped before the state is committed. ``pos`` counts within a set.
_WORK = """
CREATE TABLE scan(entity_set TEXT NOT NULL, pos INTEGER NOT NULL, ref TEXT NOT NULL, version TEXT NOT NULL,
                  PRIMARY KEY (entity_set, pos));
CREATE TABLE todo(entity_set TEXT NOT NULL, pos INTEGER NOT NULL, ref TEXT NOT NULL, change TEXT NOT NULL,
                  PRIMARY KEY (entity_set, pos));
"""


@dataclass(frozen=True)
class DiffCounts:
    scanned: int
    new: int
    changed: int
    gone: int  # in the last state but not in this scan (deleted in 1C, or out of the period/filter)

    @property
    def todo(self) -> int:
        return self.new + self.changed


class StateFile:
    """The state file at ``path`` (it may not exist yet: the first run exports everything)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def read_meta(self) -> dict[str, str]:
        if not self.exists():
            return {}
        with closing(_connect(self.path)) as db:
            _check_format(db, self.path)
            return {k: v for k, v in db.execute("SELECT key, value FROM meta")}

    def versions(self) -> dict[str, str]:
        """ref → DataVersion of the last run (for tests and inspection; loads everything)."""
        if not self.exists():
            return {}
        with closing(_connect(self.path)) as db:
            _check_format(db, self.path)
            return {r: v for r, v in db.execute("SELECT ref, version FROM events")}

    def sets(self) -> dict[str, int]:
        """How many events of each document set the last run recorded."""
        if not self.exists():
            return {}
        with closing(_connect(self.path)) as db:
            if _check_format(db, self.path) == FORMAT:
                return dict(db.execute("SELECT entity_set, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall())
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            return {meta.get("event_set", ""): int(db.execute("SELECT count(*) FROM events").fetchone()[0])}

    def begin(self, meta: Mapping[str, str]) -> StateRun:
        """Start a run; ``meta`` must agree with the old state's ``base``, ``event_set`` and ``scope``."""
        if self.exists():
            old = self.read_meta()
            for key in ("base", "event_set", "scope"):
                if key in meta and key in old and old[key] != meta[key] and not _legacy_base(key, old[key], meta[key]):
                    raise ConfigError(
                        f"The state file {self.path} was made for another {key} "
                        f"({old[key]!r}, now {meta[key]!r})",
                        hint="Use one state file per base and set of filters; delete the file to start over "
                             "(the next run then exports everything).",
                    )
        if not self.path.parent.is_dir():
            raise ConfigError(f"The directory of the state file {self.path} does not exist")
        return StateRun(self.path, dict(meta), has_old=self.exists())


class StateRun:
    """The new state under construction; ``commit`` replaces the old file, anything else discards.

    Every method taking ``entity_set`` works on that document set; ``None`` is the one set the
    meta names (families A and B keep their events in one set).
    """

    def __init__(self, path: Path, meta: dict[str, str], *, has_old: bool) -> None:
        self.path = path
        self.meta = meta
        self.has_old = has_old
        self.default_set = meta.get("event_set", "")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.onec-partial-", dir=path.parent)
        os.close(fd)
        self._tmp: Path | None = Path(tmp)
        self.db = owned_by(self, sqlite3.connect(Path(tmp).resolve().as_uri(), uri=True, isolation_level=None,
                                                 check_same_thread=False))
        # The file is rebuilt from scratch each run and replaced only whole: durability per
        # statement buys nothing, so skip the journal and fsyncs until commit().
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;")
        self.db.executescript(_SCHEMA + _WORK)
        if has_old:
            # Read-only: whatever happens to this run, the old state cannot be changed by it.
            self.db.execute("ATTACH DATABASE ? AS old", (path.resolve().as_uri() + "?mode=ro",))
            version = _check_format(self.db, self.path, schema="old")
            self._old_view(version)
        self._pos: dict[str, int] = {}
        self._counts: dict[str, DiffCounts] = {}
        self.db.execute("BEGIN")

    def _old_view(self, version: str) -> None:
        """``old_events``: the last state's rows with their set, whatever the format."""
        if version == FORMAT:
            source = "SELECT entity_set, ref, version, deleted FROM old.events"
        else:  # format 1: one set, the one its meta names
            row = self.db.execute("SELECT value FROM old.meta WHERE key = 'event_set'").fetchone()
            name = str(row[0] if row and row[0] else self.default_set).replace("'", "''")
            source = f"SELECT '{name}' AS entity_set, ref, version, deleted FROM old.events"
        self.db.execute(f"CREATE TEMP VIEW old_events AS {source}")

    def _set(self, entity_set: str | None) -> str:
        return self.default_set if entity_set is None else entity_set

    # -- filling -----------------------------------------------------------------------------------
    def add_scan(self, rows: Iterable[tuple[str, str]], entity_set: str | None = None) -> int:
        """Append (ref, DataVersion) of the current scan of one set, in the scan's order.

        No DeletionMark: setting it is a write, so it changes DataVersion (odata-1c.md §1) and
        the event is fetched anyway; whether it became marked is read from the fetched row.
        """
        name = self._set(entity_set)
        start = pos = self._pos.get(name, 0)

        def numbered() -> Iterator[tuple[str, int, str, str]]:
            nonlocal pos
            for ref, version in rows:
                pos += 1
                yield name, pos, ref, version

        self.db.executemany("INSERT INTO scan(entity_set, pos, ref, version) VALUES (?, ?, ?, ?)", numbered())
        self._pos[name] = pos
        return pos - start

    def record(self, rows: Iterable[tuple[str, str, bool]], entity_set: str | None = None) -> None:
        """Remember (ref, DataVersion, DeletionMark) of one set as exported."""
        name = self._set(entity_set)
        self.db.executemany("INSERT OR REPLACE INTO events(entity_set, ref, version, deleted) VALUES (?, ?, ?, ?)",
                            ((name, r, v, 1 if d else 0) for r, v, d in rows))

    def forget(self, refs: Iterable[str], entity_set: str | None = None) -> None:
        name = self._set(entity_set)
        self.db.executemany("DELETE FROM events WHERE entity_set = ? AND ref = ?", ((name, r) for r in refs))

    # -- diff ----------------------------------------------------------------------------------
    def diff(self) -> DiffCounts:
        """Compare the scan with the old state: fill the to-do list, carry unchanged rows over.

        The totals over every set; :meth:`diff_of` gives one set's.
        """
        db = self.db
        db.execute("CREATE INDEX scan_ref ON scan(entity_set, ref)")
        if self.has_old:
            db.execute(
                """INSERT INTO todo(entity_set, pos, ref, change)
                   SELECT s.entity_set, s.pos, s.ref,
                          CASE WHEN o.ref IS NULL THEN 'new'
                               WHEN o.deleted = 1 THEN 'changed:marked'
                               ELSE 'changed' END
                   FROM scan s LEFT JOIN old_events o ON o.entity_set = s.entity_set AND o.ref = s.ref
                   WHERE o.ref IS NULL OR o.version <> s.version"""
            )
            # Unchanged events keep their state row; exported ones are recorded as they arrive.
            db.execute(
                """INSERT OR REPLACE INTO events(entity_set, ref, version, deleted)
                   SELECT o.entity_set, o.ref, o.version, o.deleted FROM old_events o
                   JOIN scan s ON s.entity_set = o.entity_set AND s.ref = o.ref
                   WHERE o.version = s.version"""
            )
            gone = dict(db.execute(
                f"SELECT o.entity_set, count(*) FROM old_events o WHERE {_GONE} GROUP BY o.entity_set").fetchall())
        else:
            db.execute("INSERT INTO todo(entity_set, pos, ref, change) SELECT entity_set, pos, ref, 'new' FROM scan")
            gone = {}
        counts: dict[str, dict[str, int]] = {}
        for name, change, n in db.execute("SELECT entity_set, change, count(*) FROM todo GROUP BY 1, 2"):
            counts.setdefault(name, {})[change] = n
        scanned = dict(db.execute("SELECT entity_set, count(*) FROM scan GROUP BY 1").fetchall())
        self._counts = {
            name: DiffCounts(scanned=scanned.get(name, 0), new=counts.get(name, {}).get(CHANGE_NEW, 0),
                             changed=counts.get(name, {}).get(CHANGE_CHANGED, 0)
                             + counts.get(name, {}).get(CHANGE_WAS_MARKED, 0), gone=gone.get(name, 0))
            for name in sorted({*scanned, *counts, *gone})}
        every = self._counts.values()
        return DiffCounts(scanned=sum(c.scanned for c in every), new=sum(c.new for c in every),
                          changed=sum(c.changed for c in every), gone=sum(c.gone for c in every))

    def diff_of(self, entity_set: str | None = None) -> DiffCounts:
        """One set's counts of the last :meth:`diff`."""
        return self._counts.get(self._set(entity_set), DiffCounts(0, 0, 0, 0))

    def gone_sets(self) -> list[str]:
        """The sets some of whose old events this scan did not see (after :meth:`diff`)."""
        return [name for name, c in self._counts.items() if c.gone]

    def todo_chunks(self, size: int, entity_set: str | None = None) -> Iterator[list[tuple[str, str]]]:
        """(ref, change) of one set's to-do list in scan order, ``size`` at a time (keyset paging on disk)."""
        name = self._set(entity_set)
        last = 0
        while True:
            rows = self.db.execute("SELECT pos, ref, change FROM todo WHERE entity_set = ? AND pos > ? "
                                   "ORDER BY pos LIMIT ?", (name, last, size)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(ref, change) for _, ref, change in rows]

    def todo_buckets(self, size: int, entity_set: str | None = None) -> Iterator[tuple[int, list[tuple[str, str]]]]:
        """One set's to-do list grouped by page of the scan: (page index, [(ref, change)]), in scan order.

        Page ``i`` holds scan positions ``i*size+1 … (i+1)*size`` — the rows ``$skip=i*size``
        ``$top=size`` of the same query would return if nothing moved since the scan.
        """
        name = self._set(entity_set)
        bucket: list[tuple[str, str]] = []
        current = -1
        last = 0
        while True:
            rows = self.db.execute("SELECT pos, ref, change FROM todo WHERE entity_set = ? AND pos > ? "
                                   "ORDER BY pos LIMIT 5000", (name, last)).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            for pos, ref, change in rows:
                index = (pos - 1) // size
                if index != current and bucket:
                    yield current, bucket
                    bucket = []
                current = index
                bucket.append((ref, change))
        if bucket:
            yield current, bucket

    def changes_of(self, refs: Iterable[str], entity_set: str | None = None) -> dict[str, str]:
        """The to-do label of each of ``refs`` (of one set) that is on the to-do list."""
        name = self._set(entity_set)
        out: dict[str, str] = {}
        batch = list(refs)
        for i in range(0, len(batch), 500):  # SQLite's default limit of host parameters is 999
            part = batch[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update(self.db.execute(f"SELECT t.ref, t.change FROM todo t WHERE t.entity_set = ? "
                                       f"AND t.ref IN ({marks})", [name, *part]))
        return out

    def gone_chunks(self, size: int, entity_set: str | None = None) -> Iterator[list[str]]:
        """Refs of one set's old state that this scan did not see, ``size`` at a time."""
        if not self.has_old:
            return
        name = self._set(entity_set)
        last = ""
        while True:
            rows = self.db.execute(
                f"""SELECT o.ref FROM old_events o WHERE o.entity_set = ? AND o.ref > ? AND {_GONE}
                    ORDER BY o.ref LIMIT ?""", (name, last, size)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [r for (r,) in rows]

    def old_count(self) -> int:
        if not self.has_old:
            return 0
        return int(self.db.execute("SELECT count(*) FROM old_events").fetchone()[0])

    # -- end -----------------------------------------------------------------------------------
    def commit(self) -> None:
        """Finish the new state and move it over the old one (atomic within the directory)."""
        if self._tmp is None:
            raise RuntimeError("StateRun.commit() after commit or abort")
        db = self.db
        db.execute("DROP TABLE todo")
        db.execute("DROP TABLE scan")
        count = db.execute("SELECT count(*) FROM events").fetchone()[0]
        meta = {**self.meta, "format": FORMAT, "updated": datetime.now().isoformat(timespec="seconds"),
                "events": str(count)}
        db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", meta.items())
        db.execute("COMMIT")
        if self.has_old:
            db.execute("DROP VIEW old_events")
            db.execute("DETACH DATABASE old")
        db.execute("VACUUM")  # give back the pages of the dropped work tables
        db.close()
        with open(self._tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        if self._tmp is None:
            return
        try:
            self.db.close()
        finally:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> StateRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.abort()


# An old event the scan did not see (of ``old_events o``).
_GONE = "NOT EXISTS (SELECT 1 FROM scan s WHERE s.entity_set = o.entity_set AND s.ref = o.ref)"


def scope_key(values: Mapping[str, object]) -> str:
    """Canonical JSON of the filters a state belongs to (None values dropped)."""
    return json.dumps({k: v for k, v in sorted(values.items()) if v is not None}, ensure_ascii=False,
                      sort_keys=True, default=str)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _check_format(db: sqlite3.Connection, path: Path, *, schema: str = "main") -> str:
    """The state's format (one this code reads), or a ConfigError."""
    try:
        row = db.execute(f"SELECT value FROM {schema}.meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None or row[0] not in _FORMATS:
        raise ConfigError(f"{path} is not an onec-history export state file",
                          hint="Give --state-file a new file name (it is created on the first run).")
    return str(row[0])


def _legacy_base(key: str, old: str, new: str) -> bool:
    """A state file written before the base's identity carried its user (``url#user``) names the
    bare service root: the same base when the roots agree."""
    return key == "base" and "#" not in old and not old.startswith("demo:") \
        and base_key(old).partition("#")[0] == new.partition("#")[0]
