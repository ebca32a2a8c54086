"""The embedded DuckDB destination: current table, history and bookkeeping in one database file."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from target_reconciled.batchfile import Batch
from target_reconciled.coltypes import column_type, evolution, reported_type, widen
from target_reconciled.destinations.base import BadRow, Destination
from target_reconciled.destinations.staging import BATCH, quote, stage_sql
from target_reconciled.destinations.tables import (
    BOOKKEEPING,
    CURRENT_META,
    HISTORY_META,
    HISTORY_SUFFIX,
    INTERNAL,
    TableError,
    check_history_mode,
    data_columns,
)
from target_reconciled.model import Incoming, Link, Plan, Stored
from target_reconciled.rules import StreamRules

MEMORY_MB = 64
"""DuckDB's memory limit, in MB, before the per-column share (see ``_limit_memory``)."""
MEMORY_MB_PER_COLUMN = 1
CHECKPOINT_THRESHOLD = "64MB"
TEMP_VIEWS = ("_reconciled_new", "_reconciled_settled")
TEMP_TABLES = (
    BATCH,
    "_reconciled_planned",
    "_reconciled_q",
    "_reconciled_rows",
    "_reconciled_links_new",
    "_reconciled_remaps",
    "_reconciled_winners",
    "_reconciled_seen_new",
)
"""The per-batch temp views and tables, dropped once the batch is written."""


class DuckDBError(TableError):
    """A stream's tables cannot be used as configured, or the database cannot be opened."""


class DuckDBStore:
    """A stream's committed bookkeeping, read from the database (the engine's ``Store``)."""

    def __init__(self, destination: DuckDBDestination, stream: str) -> None:
        """Read the bookkeeping of ``stream`` in ``destination``."""
        self._db = destination
        self._stream = stream

    def links(self, keys: Collection[str]) -> dict[str, Link]:
        """The known links of these keys."""
        if not keys:
            return {}
        rows = self._db.select_in(
            f"SELECT key, parent, root FROM {self._db.table('_reconciled_links')} "
            "WHERE stream = ? AND key IN (SELECT v FROM _reconciled_q)",
            [self._stream],
            keys,
        )
        return {key: Link(parent, root) for key, parent, root in rows}

    def versions(self, roots: Collection[str]) -> list[Stored]:
        """Every stored version under these roots."""
        if not roots:
            return []
        table, where, params = self._db.versions_source(self._stream)
        rows = self._db.select_in(
            "SELECT _reconciled_root, _reconciled_seq, _reconciled_key, _reconciled_corrects, "
            f"_reconciled_order, _reconciled_digest FROM {table} v "
            f"WHERE {where} AND _reconciled_root IN (SELECT v FROM _reconciled_q)",
            params,
            roots,
        )
        return [Stored(*row) for row in rows]


class DuckDBDestination(Destination):
    """Writes each stream to ``<stream>``, ``<stream>__history`` and ``_reconciled_*`` tables."""

    def __init__(self, path: str, schema: str, *, history: bool) -> None:
        """Open (or create) the database file and the schema."""
        self.con = _connect(path)
        # Bounded memory: a small buffer pool (sized by the widest stream, see ``_limit_memory``),
        # one thread (the target reads the next batch meanwhile, on the other core; each thread
        # takes its own 32 MB JSON buffer), no insertion order kept (every read that needs an
        # order sorts), and a checkpoint every 64 MB of WAL (appended rows stay in memory until
        # checkpointed; checkpoints of less cost more in all).
        self._widest = 0
        self._limit_memory(0)
        self.con.execute("SET threads = 1")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        self.con.execute("SET TimeZone = 'UTC'")
        self.schema = schema
        self.history = history
        self._columns: dict[str, dict[str, str]] = {}
        self._rules: dict[str, StreamRules] = {}
        self._loaded = ""  # the stream of the loaded batch
        with self._transaction():
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for name, columns in INTERNAL.items():
                body = ", ".join(f"{column} {kind}" for column, kind in columns.items())
                self.con.execute(f"CREATE TABLE IF NOT EXISTS {self.table(name)} ({body})")

    def table(self, name: str) -> str:
        """The qualified, quoted name of a table in the target schema."""
        return f"{quote(self.schema)}.{quote(name)}"

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def one(self, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of a query (reading the whole result, as DuckDB requires before the next call)."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def lists(self, name: str, columns: Mapping[str, tuple[str, Collection[Any]]]) -> None:
        """Create temp table ``name`` from same-length Python lists, by column: ``{column: (type, values)}``.

        Each column is one list parameter (``read_json`` would reserve 32 MB of the memory limit).
        """
        picks = ", ".join(f"unnest(?::{kind}[]) AS {quote(column)}" for column, (kind, _) in columns.items())
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT {picks}",
            [list(values) for _, values in columns.values()],
        )

    def select_in(self, sql: str, params: list[Any], values: Collection[str]) -> list[tuple[Any, ...]]:
        """Run ``sql`` with the values as the one-column relation ``_reconciled_q(v)``."""
        self.lists("_reconciled_q", {"v": ("VARCHAR", values)})
        return self.con.execute(sql, params).fetchall()

    def versions_source(self, stream: str) -> tuple[str, str, list[Any]]:
        """Table, filter (on alias ``v``) and parameters of the rows that answer ``Store.versions``."""
        if self.history:
            return self.table(stream + HISTORY_SUFFIX), "TRUE", []
        return self.table("_reconciled_versions"), "v.stream = ?", [stream]

    def _existing(self, name: str) -> dict[str, str] | None:
        rows = self.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [self.schema, name],
        ).fetchall()
        return {column: reported_type(kind) for column, kind in rows} if rows else None

    def _evolve(self, name: str, wanted: Mapping[str, str], meta: Mapping[str, str]) -> dict[str, str]:
        """Create table ``name`` or bring it to the wanted columns (add, widen, never narrow)."""
        existing = self._existing(name)
        if existing is None:
            columns = {**wanted, **meta}
            body = ", ".join(f"{quote(column)} {kind}" for column, kind in columns.items())
            self.con.execute(f"CREATE TABLE {self.table(name)} ({body})")
            return dict(wanted)
        data = {column: kind for column, kind in existing.items() if column not in meta}
        added, widened = evolution(data, wanted)
        table = self.table(name)
        for column, kind in added.items():
            self.con.execute(f"ALTER TABLE {table} ADD COLUMN {quote(column)} {kind}")
        for column, kind in widened.items():
            self.con.execute(f"ALTER TABLE {table} ALTER COLUMN {quote(column)} SET DATA TYPE {kind}")
        return {**data, **added, **widened}

    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create or evolve the stream's tables and record its rules."""
        properties = data_columns(stream, schema)
        wanted = {name: column_type(prop) for name, prop in properties.items()}
        streams = self.table("_reconciled_streams")
        with self._transaction():
            row = self.one(f"SELECT history FROM {streams} WHERE stream = ?", [stream])
            check_history_mode(stream, None if row is None else row[0], self.history, self.schema)
            columns = self._evolve(stream, wanted, CURRENT_META)
            if self.history:
                history = self._evolve(stream + HISTORY_SUFFIX, wanted, HISTORY_META)
                columns = {name: widen(kind, history.get(name, kind)) for name, kind in columns.items()}
            if row is None:
                self.con.execute(f"INSERT INTO {streams} VALUES (?, 1, ?, ?)", [stream, self.history, ""])
            self.con.execute(f"UPDATE {streams} SET rules = ? WHERE stream = ?", [rules.describe(), stream])
        self._columns[stream] = columns
        self._rules[stream] = rules
        self._limit_memory(len(columns))

    def _limit_memory(self, columns: int) -> None:
        """Set DuckDB's memory limit for streams of up to ``columns`` data columns.

        A batch's temp tables take about 0.5 MB per column however few their rows (a block per
        column segment and validity), and ``read_json`` reserves 32 MB. Within this limit the
        peak stays flat as tables grow (DuckDB caches their blocks up to it); 185-column Invoca
        batches of 25,000 rows load within it.
        """
        self._widest = max(self._widest, columns)
        limit = MEMORY_MB + MEMORY_MB_PER_COLUMN * (self._widest + len(HISTORY_META))
        self.con.execute(f"SET memory_limit = '{limit}MB'")

    def next_seq(self, stream: str) -> int:
        """The arrival sequence of the stream's next record."""
        row = self.one(f"SELECT next_seq FROM {self.table('_reconciled_streams')} WHERE stream = ?", [stream])
        return int(row[0]) if row else 1

    def store(self, stream: str) -> DuckDBStore:
        """The committed bookkeeping of a stream."""
        return DuckDBStore(self, stream)

    def load(self, stream: str, batch: Batch) -> list[Incoming]:
        """Load a batch file (see ``staging``); settle its rows that need no plan, return the others.

        A row needs no plan when its key is new to the stream, appears once in the batch, and
        (for streams with ``corrects``) neither corrects a key nor is corrected by a row of the
        batch: it is its own root, its one version and its current row (``engine.plan`` would
        decide exactly that). The others are returned, by arrival, for the engine to plan.
        Raises ``BadRow`` for the first row (by line) that cannot be loaded.
        """
        first = self.next_seq(stream)
        rules = self._rules[stream]
        self.con.execute(stage_sql(batch.path, self._columns[stream], rules, batch.longest, first))
        bad = self.one(
            f"SELECT _reconciled_line, _reconciled_bad FROM {BATCH} "
            "WHERE _reconciled_bad IS NOT NULL ORDER BY _reconciled_line LIMIT 1"
        )
        if bad is not None:
            raise BadRow(*bad)
        # Keys the stream has stored: with corrects every key seen has a link; else its own root.
        if rules.corrects is None:
            versions, where, params = self.versions_source(stream)
            known = f"SELECT v._reconciled_root AS key FROM {versions} v WHERE {where}"
        else:
            known = f"SELECT key FROM {self.table('_reconciled_links')} WHERE stream = ?"
            params = [stream]
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _reconciled_planned AS "
            f"SELECT _reconciled_seq AS seq FROM {BATCH} WHERE _reconciled_corrects IS NOT NULL "
            f"UNION SELECT b._reconciled_seq FROM {BATCH} b JOIN (SELECT _reconciled_key AS key FROM {BATCH} "
            "GROUP BY _reconciled_key HAVING count(*) > 1 UNION ALL "
            f"SELECT _reconciled_corrects FROM {BATCH} WHERE _reconciled_corrects IS NOT NULL UNION ALL "
            f"{known}) k ON k.key = b._reconciled_key",
            params,
        )
        self._loaded = stream
        rows = self.con.execute(
            "SELECT _reconciled_key, _reconciled_corrects, _reconciled_order, _reconciled_digest, "
            f"_reconciled_seq FROM {BATCH} WHERE _reconciled_seq IN (SELECT seq FROM _reconciled_planned) "
            "ORDER BY _reconciled_seq"
        ).fetchall()
        return [Incoming(*row) for row in rows]

    def write(self, stream: str, plan: Plan) -> None:
        """Write the loaded batch in one transaction: the settled rows and the plan of the others.

        Appends history, upserts links, applies remaps, replaces changed current rows.
        """
        if self._loaded != stream:
            raise DuckDBError(f"stream {stream!r}: no batch loaded")
        self.lists(
            "_reconciled_rows",
            {
                "seq": ("BIGINT", [seq for _, seq, _ in plan.rows]),
                "root": ("VARCHAR", [root for _, _, root in plan.rows]),
            },
        )
        self.lists(
            "_reconciled_links_new",
            {
                "key": ("VARCHAR", list(plan.links)),
                "parent": ("VARCHAR", [link.parent for link in plan.links.values()]),
                "root": ("VARCHAR", [link.root for link in plan.links.values()]),
            },
        )
        self.lists(
            "_reconciled_remaps",
            {"old": ("VARCHAR", list(plan.remaps)), "new": ("VARCHAR", list(plan.remaps.values()))},
        )
        self.lists(
            "_reconciled_winners",
            {
                "root": ("VARCHAR", list(plan.current)),
                "seq": ("BIGINT", [w.seq for w in plan.current.values()]),
                "versions": ("BIGINT", [w.versions for w in plan.current.values()]),
            },
        )
        names = "".join(f"b.{quote(column)}, " for column in self._columns[stream])
        # The rows to store: those the plan keeps (with their root) and the settled ones (their own root).
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW _reconciled_new AS SELECT {names}"
            "coalesce(n.root, b._reconciled_key) AS _reconciled_root, b._reconciled_seq, b._reconciled_key, "
            "b._reconciled_corrects, b._reconciled_order, b._reconciled_digest "
            f"FROM {BATCH} b LEFT JOIN _reconciled_rows n ON n.seq = b._reconciled_seq "
            "WHERE n.seq IS NOT NULL OR b._reconciled_seq NOT IN (SELECT seq FROM _reconciled_planned)"
        )
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW _reconciled_settled AS SELECT * FROM {BATCH} "
            "WHERE _reconciled_seq NOT IN (SELECT seq FROM _reconciled_planned)"
        )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _reconciled_seen_new AS "
            "SELECT _reconciled_key AS key, max(_reconciled_version) AS v "
            f"FROM {BATCH} WHERE _reconciled_version IS NOT NULL GROUP BY _reconciled_key"
        )
        with self._transaction():
            self._apply(stream, plan)
        self._loaded = ""
        for name in TEMP_TABLES:
            self.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        for name in TEMP_VIEWS:
            self.con.execute(f"DROP VIEW IF EXISTS {quote(name)}")

    def _apply(self, stream: str, plan: Plan) -> None:
        execute = self.con.execute
        columns = self._columns[stream]
        names = ", ".join(quote(column) for column in columns)
        data = "".join(f"{quote(column)}, " for column in columns)
        book = ", ".join(BOOKKEEPING)
        versions, where, params = self.versions_source(stream)
        if self.history:
            execute(
                f"INSERT INTO {versions} ({names}{', ' if names else ''}{book}, _reconciled_at) "
                f"SELECT {data}{book}, get_current_timestamp() FROM _reconciled_new"
            )
        else:
            execute(
                f"INSERT INTO {versions} (stream, {book}) SELECT ?, {book} FROM _reconciled_new", [stream]
            )
        links = self.table("_reconciled_links")
        if self._rules[stream].corrects is not None:
            execute(
                f"INSERT INTO {links} SELECT ?, _reconciled_key, NULL, _reconciled_key "
                "FROM _reconciled_settled",
                [stream],
            )
        if plan.links:
            execute(
                f"DELETE FROM {links} WHERE stream = ? AND key IN (SELECT key FROM _reconciled_links_new)",
                [stream],
            )
            execute(f"INSERT INTO {links} SELECT ?, key, parent, root FROM _reconciled_links_new", [stream])
        if plan.remaps:
            execute(
                f"UPDATE {versions} AS v SET _reconciled_root = m.new FROM _reconciled_remaps m "
                f"WHERE {where} AND v._reconciled_root = m.old",
                params,
            )
            execute(
                f"UPDATE {links} SET root = m.new FROM _reconciled_remaps m "
                f"WHERE {links}.stream = ? AND {links}.root = m.old",
                [stream],
            )
        self._replace_current(stream, plan)
        self._insert_settled(stream)
        seen = self.table("_reconciled_seen")
        execute(
            f"UPDATE {seen} SET table_version = greatest({seen}.table_version, s.v) "
            f"FROM _reconciled_seen_new s WHERE {seen}.stream = ? AND {seen}.key = s.key",
            [stream],
        )
        execute(
            f"INSERT INTO {seen} SELECT ?, key, v FROM _reconciled_seen_new "
            f"WHERE key NOT IN (SELECT key FROM {seen} WHERE stream = ?)",
            [stream, stream],
        )
        # After the last row stored: a batch of replays only changes nothing, not even this.
        execute(
            f"UPDATE {self.table('_reconciled_streams')} SET next_seq = "
            "coalesce((SELECT max(_reconciled_seq) + 1 FROM _reconciled_new), next_seq) WHERE stream = ?",
            [stream],
        )

    def _insert_settled(self, stream: str) -> None:
        """Insert the current rows of the settled rows: each its own root, with one version."""
        shown, _ = source_key_forms(len(self._rules[stream].key))
        names = "".join(f"{quote(column)}, " for column in self._columns[stream])
        self.con.execute(
            f"INSERT INTO {self.table(stream)} ({names}{', '.join(CURRENT_META)}) "
            f"SELECT {names}{shown('_reconciled_key')}, 1, get_current_timestamp(), _reconciled_key, "
            "_reconciled_digest FROM _reconciled_settled"
        )

    def _replace_current(self, stream: str, plan: Plan) -> None:
        """Replace the current rows whose winner or version count changed, drop remapped roots.

        The winner of each root is found by sequence in the stored versions; its data comes from
        the history, or without history from this batch or the current row that already holds it.
        """
        if not plan.current and not plan.remaps:
            return
        execute = self.con.execute
        current = self.table(stream)
        columns = self._columns[stream]
        key = self._rules[stream].key
        shown, canonical = source_key_forms(len(key))
        versions, where, params = self.versions_source(stream)
        execute(
            "CREATE OR REPLACE TEMP TABLE _reconciled_changed AS SELECT w.root, w.seq, w.versions, "
            "v._reconciled_key AS key, v._reconciled_digest AS digest "
            f"FROM _reconciled_winners w JOIN {versions} v ON v._reconciled_seq = w.seq AND {where} "
            f"LEFT JOIN {current} c ON c._reconciled_root = w.root WHERE c._reconciled_root IS NULL "
            f"OR c._reconciled_source_key IS DISTINCT FROM {shown('v._reconciled_key')} "
            "OR c._reconciled_digest IS DISTINCT FROM v._reconciled_digest "
            "OR c._reconciled_versions IS DISTINCT FROM w.versions",
            params,
        )
        picks = []
        for column, kind in columns.items():
            if column in key:
                path = f"$[{key.index(column)}]"
                picks.append(f"TRY_CAST(json_extract_string(w.root, '{path}') AS {kind}), ")
            else:
                picks.append(f"s.{quote(column)}, ")
        if self.history:
            source = (
                f"SELECT * FROM {self.table(stream + HISTORY_SUFFIX)} "
                "WHERE _reconciled_seq IN (SELECT seq FROM _reconciled_changed)"
            )
            match = "s._reconciled_seq = w.seq"
        else:
            listed = "".join(f"{quote(column)}, " for column in columns)
            source = (
                f"SELECT {listed}_reconciled_key, _reconciled_digest FROM _reconciled_new UNION ALL "
                f"SELECT {listed}{canonical('_reconciled_source_key')}, _reconciled_digest FROM {current}"
            )
            match = "s._reconciled_key = w.key AND s._reconciled_digest = w.digest"
        execute(
            f"CREATE OR REPLACE TEMP TABLE _reconciled_next AS SELECT {''.join(picks)}{shown('w.key')}, "
            "w.versions, "
            "get_current_timestamp(), w.root, w.digest "
            f"FROM _reconciled_changed w JOIN ({source}) s ON {match}"
        )
        if self.one("SELECT count(*) FROM _reconciled_changed") != self.one(
            "SELECT count(*) FROM _reconciled_next"
        ):
            raise DuckDBError(f"stream {stream!r}: a winning row of this batch was not found in the database")
        execute(
            f"DELETE FROM {current} WHERE _reconciled_root IN "
            "(SELECT root FROM _reconciled_changed UNION ALL SELECT old FROM _reconciled_remaps)"
        )
        names = "".join(f"{quote(column)}, " for column in columns)
        execute(f"INSERT INTO {current} ({names}{', '.join(CURRENT_META)}) SELECT * FROM _reconciled_next")
        execute("DROP TABLE _reconciled_next")
        execute("DROP TABLE _reconciled_changed")

    def activate_version(self, stream: str, version: int) -> None:
        """Drop current rows of roots that no key seen with table version >= ``version`` belongs to."""
        versions, where, params = self.versions_source(stream)
        with self._transaction():
            self.con.execute(
                f"DELETE FROM {self.table(stream)} WHERE _reconciled_root NOT IN ("
                f"SELECT v._reconciled_root FROM {versions} v JOIN {self.table('_reconciled_seen')} s "
                f"ON s.key = v._reconciled_key WHERE {where} AND s.stream = ? AND s.table_version >= ?)",
                [*params, stream, version],
            )

    def close(self) -> None:
        """Checkpoint and close the database."""
        self.con.close()


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    """Open the database file (creating its directory), or say which setting to change."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(path)
    except (OSError, duckdb.Error) as exc:
        if "lock" in str(exc).lower():
            hint = "Another process has it open (a DuckDB shell, a notebook, another run): close it"
        else:
            hint = "Check that this user can create and write it"
        raise DuckDBError(
            f"cannot open the DuckDB database duckdb_path={path!r}: {exc}. "
            f"{hint}, or set duckdb_path to another file."
        ) from exc


def source_key_forms(key_columns: int) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """SQL for ``_reconciled_source_key`` from canonical key text, and back.

    A one-column key (or a keyless stream's digest) is shown as its plain value (``A3``), a
    composite key as its canonical text (``["A","3"]``); both forms convert back exactly.
    """
    if key_columns > 1:
        return (lambda text: text), (lambda shown: shown)
    return (lambda text: f"json_extract_string({text}, '$[0]')"), (lambda shown: f"to_json([{shown}])")
