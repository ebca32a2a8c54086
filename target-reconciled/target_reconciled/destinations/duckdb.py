"""The embedded DuckDB destination: current table, history and bookkeeping in one database file."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from target_reconciled.coltypes import arrow_column, column_type, reported_type, widen
from target_reconciled.destinations.base import Destination
from target_reconciled.model import Incoming, Link, Plan, Stored
from target_reconciled.rules import StreamRules

PREFIX = "_reconciled_"
CURRENT_META = {
    "_reconciled_source_key": "VARCHAR",
    "_reconciled_versions": "BIGINT",
    "_reconciled_at": "TIMESTAMPTZ",
    "_reconciled_root": "VARCHAR",
    "_reconciled_digest": "VARCHAR",
}
BOOKKEEPING = {
    "_reconciled_root": "VARCHAR",
    "_reconciled_seq": "BIGINT",
    "_reconciled_key": "VARCHAR",
    "_reconciled_corrects": "VARCHAR",
    "_reconciled_order": "VARCHAR",
    "_reconciled_digest": "VARCHAR",
}
HISTORY_META = {**BOOKKEEPING, "_reconciled_at": "TIMESTAMPTZ"}
INTERNAL = {
    "_reconciled_streams": "stream VARCHAR, next_seq BIGINT, history BOOLEAN, rules VARCHAR",
    "_reconciled_links": "stream VARCHAR, key VARCHAR, parent VARCHAR, root VARCHAR",
    "_reconciled_seen": "stream VARCHAR, key VARCHAR, table_version BIGINT",
    "_reconciled_versions": "stream VARCHAR, "
    + ", ".join(f"{name} {kind}" for name, kind in BOOKKEEPING.items()),
}


def quote(name: str) -> str:
    """A quoted SQL identifier (any name: dashes, dots, quotes)."""
    return '"' + name.replace('"', '""') + '"'


class DuckDBError(RuntimeError):
    """A stream's tables cannot be used as configured."""


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

    def next_seq(self) -> int:
        """The next arrival sequence number of the stream."""
        row = self._db.one(
            f"SELECT next_seq FROM {self._db.table('_reconciled_streams')} WHERE stream = ?", [self._stream]
        )
        return int(row[0]) if row else 1


class DuckDBDestination(Destination):
    """Writes each stream to ``<stream>``, ``<stream>__history`` and ``_reconciled_*`` tables."""

    def __init__(self, path: str, schema: str, *, history: bool) -> None:
        """Open (or create) the database file and the schema."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(path)
        # Bounded memory: a small buffer pool, two threads, and a checkpoint every 64 MB of WAL.
        self.con.execute("SET memory_limit = '64MB'")
        self.con.execute("SET threads = 2")
        self.con.execute("SET checkpoint_threshold = '64MB'")
        self.schema = schema
        self.history = history
        self._columns: dict[str, dict[str, str]] = {}
        self._rules: dict[str, StreamRules] = {}
        with self._transaction():
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for name, columns in INTERNAL.items():
                self.con.execute(f"CREATE TABLE IF NOT EXISTS {self.table(name)} ({columns})")

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

    def select_in(self, sql: str, params: list[Any], values: Collection[str]) -> list[tuple[Any, ...]]:
        """Run ``sql`` with the values as the one-column relation ``_reconciled_q(v)``."""
        self.con.register("_reconciled_q", pa.table({"v": pa.array(list(values), pa.string())}))
        try:
            return self.con.execute(sql, params).fetchall()
        finally:
            self.con.unregister("_reconciled_q")

    def versions_source(self, stream: str) -> tuple[str, str, list[Any]]:
        """Table, filter (on alias ``v``) and parameters of the rows that answer ``Store.versions``."""
        if self.history:
            return self.table(f"{stream}__history"), "TRUE", []
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
        result = {column: kind for column, kind in existing.items() if column not in meta}
        for column, kind in wanted.items():
            if column not in existing:
                self.con.execute(f"ALTER TABLE {self.table(name)} ADD COLUMN {quote(column)} {kind}")
                result[column] = kind
                continue
            wider = widen(existing[column], kind)
            if wider != existing[column]:
                self.con.execute(
                    f"ALTER TABLE {self.table(name)} ALTER COLUMN {quote(column)} SET DATA TYPE {wider}"
                )
                result[column] = wider
        return result

    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create or evolve the stream's tables and record its rules."""
        properties: Mapping[str, Any] = schema.get("properties") or {}
        reserved = sorted(name for name in properties if name.startswith(PREFIX))
        if reserved:
            raise DuckDBError(f"stream {stream!r}: columns {reserved} use the reserved prefix {PREFIX}")
        wanted = {name: column_type(prop) for name, prop in properties.items()}
        streams = self.table("_reconciled_streams")
        with self._transaction():
            row = self.one(f"SELECT history FROM {streams} WHERE stream = ?", [stream])
            if row is not None and row[0] != self.history:
                raise DuckDBError(
                    f"stream {stream!r} was loaded with history={row[0]}; it cannot switch to "
                    f"history={self.history} in schema {self.schema!r} (use a new schema)"
                )
            columns = self._evolve(stream, wanted, CURRENT_META)
            if self.history:
                history = self._evolve(f"{stream}__history", wanted, HISTORY_META)
                columns = {name: widen(kind, history.get(name, kind)) for name, kind in columns.items()}
            if row is None:
                self.con.execute(f"INSERT INTO {streams} VALUES (?, 1, ?, ?)", [stream, self.history, ""])
            self.con.execute(f"UPDATE {streams} SET rules = ? WHERE stream = ?", [rules.describe(), stream])
        self._columns[stream] = columns
        self._rules[stream] = rules

    def store(self, stream: str) -> DuckDBStore:
        """The committed bookkeeping of a stream."""
        return DuckDBStore(self, stream)

    def _staged(
        self, stream: str, records: Sequence[Mapping[str, Any]], batch: Sequence[Incoming], plan: Plan
    ) -> pa.Table:
        """The plan's new rows, column by column: data as c0..cN, then the bookkeeping columns."""
        picked = [records[index] for index, _, _ in plan.rows]
        arrays = {
            f"c{n}": arrow_column([record.get(column) for record in picked], kind)
            for n, (column, kind) in enumerate(self._columns[stream].items())
        }
        news = [batch[index] for index, _, _ in plan.rows]
        arrays["_reconciled_root"] = pa.array([root for _, _, root in plan.rows], pa.string())
        arrays["_reconciled_seq"] = pa.array([seq for _, seq, _ in plan.rows], pa.int64())
        arrays["_reconciled_key"] = pa.array([item.key for item in news], pa.string())
        arrays["_reconciled_corrects"] = pa.array([item.corrects for item in news], pa.string())
        arrays["_reconciled_order"] = pa.array([item.order for item in news], pa.string())
        arrays["_reconciled_digest"] = pa.array([item.digest for item in news], pa.string())
        return pa.table(arrays)

    def write(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        batch: Sequence[Incoming],
        plan: Plan,
        table_versions: Sequence[int | None],
    ) -> None:
        """Append history, upsert links, apply remaps, replace changed current rows: one transaction."""
        staged = {
            "_reconciled_new": self._staged(stream, records, batch, plan),
            "_reconciled_links_new": pa.table(
                {
                    "key": pa.array(list(plan.links), pa.string()),
                    "parent": pa.array([link.parent for link in plan.links.values()], pa.string()),
                    "root": pa.array([link.root for link in plan.links.values()], pa.string()),
                }
            ),
            "_reconciled_remaps": pa.table(
                {
                    "old": pa.array(list(plan.remaps), pa.string()),
                    "new": pa.array(list(plan.remaps.values()), pa.string()),
                }
            ),
            "_reconciled_winners": pa.table(
                {
                    "root": pa.array(list(plan.current), pa.string()),
                    "seq": pa.array([w.seq for w in plan.current.values()], pa.int64()),
                    "versions": pa.array([w.versions for w in plan.current.values()], pa.int64()),
                }
            ),
            "_reconciled_seen_new": self._seen(batch, table_versions),
        }
        for name, table in staged.items():
            self.con.register(name, table)
        try:
            with self._transaction():
                self._apply(stream, plan)
        finally:
            for name in staged:
                self.con.unregister(name)

    @staticmethod
    def _seen(batch: Sequence[Incoming], table_versions: Sequence[int | None]) -> pa.Table:
        latest: dict[str, int] = {}
        for item, version in zip(batch, table_versions, strict=True):
            if version is not None and version > latest.get(item.key, version - 1):
                latest[item.key] = version
        return pa.table(
            {"key": pa.array(list(latest), pa.string()), "v": pa.array(list(latest.values()), pa.int64())}
        )

    def _apply(self, stream: str, plan: Plan) -> None:
        execute = self.con.execute
        columns = self._columns[stream]
        names = ", ".join(quote(column) for column in columns)
        casts = "".join(f'CAST(n."c{i}" AS {kind}), ' for i, kind in enumerate(columns.values()))
        book = ", ".join(BOOKKEEPING)
        versions, where, params = self.versions_source(stream)
        if plan.rows:
            if self.history:
                execute(
                    f"INSERT INTO {versions} ({names}{', ' if names else ''}{book}, _reconciled_at) "
                    f"SELECT {casts}{book}, get_current_timestamp() FROM _reconciled_new n"
                )
            else:
                execute(
                    f"INSERT INTO {versions} (stream, {book}) SELECT ?, {book} FROM _reconciled_new", [stream]
                )
        links = self.table("_reconciled_links")
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
        execute(
            f"UPDATE {self.table('_reconciled_streams')} SET next_seq = ? WHERE stream = ?",
            [plan.next_seq, stream],
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
        versions, where, params = self.versions_source(stream)
        execute(
            "CREATE OR REPLACE TEMP TABLE _reconciled_changed AS SELECT w.root, w.seq, w.versions, "
            "v._reconciled_key AS key, v._reconciled_digest AS digest "
            f"FROM _reconciled_winners w JOIN {versions} v ON v._reconciled_seq = w.seq AND {where} "
            f"LEFT JOIN {current} c ON c._reconciled_root = w.root WHERE c._reconciled_root IS NULL "
            "OR c._reconciled_source_key IS DISTINCT FROM v._reconciled_key "
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
                f"SELECT * FROM {self.table(stream + '__history')} "
                "WHERE _reconciled_seq IN (SELECT seq FROM _reconciled_changed)"
            )
            match = "s._reconciled_seq = w.seq"
        else:
            pairs = enumerate(columns.items())
            staged = "".join(f'CAST(n."c{i}" AS {kind}) AS {quote(name)}, ' for i, (name, kind) in pairs)
            listed = "".join(f"{quote(column)}, " for column in columns)
            source = (
                f"SELECT {staged}_reconciled_key, _reconciled_digest FROM _reconciled_new n UNION ALL "
                f"SELECT {listed}_reconciled_source_key, _reconciled_digest FROM {current}"
            )
            match = "s._reconciled_key = w.key AND s._reconciled_digest = w.digest"
        execute(
            f"CREATE OR REPLACE TEMP TABLE _reconciled_next AS SELECT {''.join(picks)}w.key, w.versions, "
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
