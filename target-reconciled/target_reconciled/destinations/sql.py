"""What the SQL destinations share: tables per stream, the engine's store, and writing a planned batch.

A destination (``duckdb``, ``postgres``) supplies its connection and dialect through the
abstract members of ``SQLDestination``; the statements here are written in the SQL both
databases run, with ``?`` parameters.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from target_reconciled.coltypes import BIGINT, VARCHAR, column_type, evolution, widen
from target_reconciled.destinations.base import Destination
from target_reconciled.destinations.outbox import DELETED, Outbox
from target_reconciled.destinations.staging import BATCH, quote
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
from target_reconciled.model import Link, Plan, Stored
from target_reconciled.rules import StreamRules

NEW = "_reconciled_new"
"""The batch's rows to store (those the plan keeps and the settled ones), with their root and
``_reconciled_settled`` (true for a row settled by ``load``)."""
PLANNED = "_reconciled_planned"
"""The sequences of the batch's rows given to the engine (see ``Destination.load``)."""


class SQLStore:
    """A stream's committed bookkeeping, read from the database (the engine's ``Store``)."""

    def __init__(self, destination: SQLDestination, stream: str) -> None:
        """Read the bookkeeping of ``stream`` in ``destination``."""
        self._db = destination
        self._stream = stream

    def links(self, keys: Collection[str]) -> dict[str, Link]:
        """The known links of these keys."""
        if not keys:
            return {}
        values, params = self._db.values(keys)
        rows = self._db.fetch(
            f"SELECT key, parent, root FROM {self._db.table('_reconciled_links')} "
            f"WHERE stream = ? AND key IN {values}",
            [self._stream, *params],
        )
        return {key: Link(parent, root) for key, parent, root in rows}

    def versions(self, roots: Collection[str]) -> list[Stored]:
        """Every stored version under these roots."""
        if not roots:
            return []
        table, where, params = self._db.versions_source(self._stream)
        values, more = self._db.values(roots)
        rows = self._db.fetch(
            f"SELECT {', '.join(BOOKKEEPING)} FROM {table} v WHERE {where} AND _reconciled_root IN {values}",
            [*params, *more],
        )
        return [Stored(*row) for row in rows]


class SQLDestination(Destination):
    """Each stream in ``<stream>``, ``<stream>__history`` and the ``_reconciled_*`` tables of a schema."""

    NOW = "now()"
    """SQL of the commit's timestamp (``_reconciled_at``)."""

    def __init__(self, schema: str, *, history: bool) -> None:
        """Remember the schema and history mode; the subclass connects, then calls ``create_schema``."""
        self.schema = schema
        self.history = history
        self._columns: dict[str, dict[str, str]] = {}
        self._rules: dict[str, StreamRules] = {}
        self._loaded = ""  # the stream of the loaded batch
        self.outbox: Outbox | None = None
        """Set by ``destination: singer``: each batch also numbers its changes for the downstream."""

    # -- what a database supplies ------------------------------------------------------------

    @abstractmethod
    def run(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one statement (``?`` parameters)."""

    @abstractmethod
    def fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one query (``?`` parameters)."""

    @abstractmethod
    def chunks(self, sql: str, params: list[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one query, ``size`` at a time (no other statement runs until the last)."""

    @abstractmethod
    def ddl(self) -> AbstractContextManager[None]:
        """A transaction that creates or changes tables."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A transaction that writes rows."""

    @abstractmethod
    def lists(self, name: str, columns: Mapping[str, tuple[str, Collection[Any]]]) -> None:
        """Temp table ``name`` from same-length lists, by column: ``{column: (coltypes type, values)}``."""

    @abstractmethod
    def temp(self, name: str, select: str, params: list[Any] | None = None) -> None:
        """Temp table ``name`` holding the rows of ``select``, for the rest of the batch."""

    @abstractmethod
    def derived(self, name: str, select: str) -> None:
        """Relation ``name`` of the rows of ``select``, read by several statements of the batch."""

    @abstractmethod
    def values(self, values: Collection[str]) -> tuple[str, list[Any]]:
        """SQL of a one-column relation of these texts (for ``IN``), and its parameters."""

    @abstractmethod
    def sql_type(self, kind: str) -> str:
        """The database's type of a ``coltypes`` type."""

    @abstractmethod
    def existing(self, name: str) -> dict[str, str] | None:
        """The ``coltypes`` types of table ``name``'s columns, or None if it does not exist."""

    @abstractmethod
    def key_value(self, root: str, index: int, kind: str) -> str:
        """SQL of key column ``index`` of canonical key text ``root``, cast to ``kind`` (null: no fit)."""

    @abstractmethod
    def shown(self, text: str, key_columns: int) -> str:
        """SQL of ``_reconciled_source_key`` from a canonical key text (a plain value for one column)."""

    @abstractmethod
    def canonical(self, shown: str, key_columns: int) -> str:
        """SQL of the canonical key text from a ``_reconciled_source_key``."""

    @abstractmethod
    def commit(self) -> None:
        """Commit what was read or written outside a batch's transaction."""

    def create(self, name: str, columns: Mapping[str, str]) -> None:
        """Create table ``name`` (a subclass adds its indexes)."""
        body = ", ".join(f"{quote(column)} {self.sql_type(kind)}" for column, kind in columns.items())
        self.run(f"CREATE TABLE {self.table(name)} ({body})")

    def check_name(self, name: str, what: str) -> None:
        """Refuse a table or column name the database cannot hold as it is."""

    def prepared(self, columns: Mapping[str, str]) -> None:
        """Called once a stream's tables are ready, with its data columns."""

    # -- shared ------------------------------------------------------------------------------

    def table(self, name: str) -> str:
        """The qualified, quoted name of a table in the target schema."""
        return f"{quote(self.schema)}.{quote(name)}"

    def create_schema(self) -> None:
        """Create the schema and the bookkeeping tables, unless they exist."""
        with self.ddl():
            # Only if missing: creating needs a privilege on the database that a loader may lack.
            if not self.fetch(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?", [self.schema]
            ):
                self.run(f"CREATE SCHEMA {quote(self.schema)}")
            for name, columns in INTERNAL.items():
                if self.existing(name) is None:
                    self.create(name, columns)

    def versions_source(self, stream: str) -> tuple[str, str, list[Any]]:
        """Table, filter (on alias ``v``) and parameters of the rows that answer ``Store.versions``."""
        if self.history:
            return self.table(stream + HISTORY_SUFFIX), "TRUE", []
        return self.table("_reconciled_versions"), "v.stream = ?", [stream]

    def store(self, stream: str) -> SQLStore:
        """The committed bookkeeping of a stream."""
        return SQLStore(self, stream)

    def waiting(self, stream: str) -> int:
        """Rows under a root whose key no stored row has: corrections whose original has not arrived."""
        source, where, params = self.versions_source(stream)
        found = self.fetch(
            f"SELECT coalesce(sum(c._reconciled_versions), 0) FROM {self.table(stream)} AS c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {source} AS v WHERE {where} "
            "AND v._reconciled_key = c._reconciled_root)",
            params,
        )
        return int(found[0][0])

    def _evolve(self, name: str, wanted: Mapping[str, str], meta: Mapping[str, str]) -> dict[str, str]:
        """Create table ``name`` or bring it to the wanted columns (add, widen, never narrow)."""
        self.check_name(name, "table")
        existing = self.existing(name)
        if existing is None:
            self.create(name, {**wanted, **meta})
            return dict(wanted)
        data = {column: kind for column, kind in existing.items() if column not in meta}
        added, widened = evolution(data, wanted)
        table = self.table(name)
        for column, kind in added.items():
            self.run(f"ALTER TABLE {table} ADD COLUMN {quote(column)} {self.sql_type(kind)}")
        for column, kind in widened.items():
            sql_type = self.sql_type(kind)
            self.run(
                f"ALTER TABLE {table} ALTER COLUMN {quote(column)} SET DATA TYPE {sql_type} "
                f"USING CAST({quote(column)} AS {sql_type})"
            )
        return {**data, **added, **widened}

    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create or evolve the stream's tables and record its rules."""
        properties = data_columns(stream, schema)
        for name in properties:
            self.check_name(name, f"stream {stream!r}: column")
        wanted = {name: column_type(prop) for name, prop in properties.items()}
        streams = self.table("_reconciled_streams")
        with self.ddl():
            found = self.fetch(f"SELECT history FROM {streams} WHERE stream = ?", [stream])
            check_history_mode(stream, found[0][0] if found else None, self.history, self.schema)
            columns = self._evolve(stream, wanted, CURRENT_META)
            if self.history:
                history = self._evolve(stream + HISTORY_SUFFIX, wanted, HISTORY_META)
                columns = {name: widen(kind, history.get(name, kind)) for name, kind in columns.items()}
            if not found:
                self.run(f"INSERT INTO {streams} VALUES (?, 1, ?, '')", [stream, self.history])
            self.run(f"UPDATE {streams} SET rules = ? WHERE stream = ?", [rules.describe(), stream])
        self._columns[stream] = columns
        self._rules[stream] = rules
        self.prepared(columns)

    def next_seq(self, stream: str, *, lock: bool = False) -> int:
        """The arrival sequence of the stream's next record (``lock``: held until the batch commits)."""
        found = self.fetch(
            f"SELECT next_seq FROM {self.table('_reconciled_streams')} WHERE stream = ?"
            + (" FOR UPDATE" if lock else ""),
            [stream],
        )
        return int(found[0][0]) if found else 1

    def plan_rows(self, stream: str) -> list[tuple[Any, ...]]:
        """Mark the staged rows that need the engine (``PLANNED``) and return them, by arrival.

        A row needs no plan when its key is new to the stream, appears once in the batch, and
        (for streams with ``corrects``) neither corrects a key nor is corrected by a row of the
        batch: it is its own root, its one version and its current row (``engine.plan`` would
        decide exactly that).
        """
        # Keys the stream has stored: with corrects every key seen has a link; else its own root.
        if self._rules[stream].corrects is None:
            versions, where, params = self.versions_source(stream)
            known = f"SELECT 1 FROM {versions} v WHERE {where} AND v._reconciled_root = b._reconciled_key"
        else:
            known = (
                f"SELECT 1 FROM {self.table('_reconciled_links')} l "
                "WHERE l.stream = ? AND l.key = b._reconciled_key"
            )
            params = [stream]
        self.temp(
            PLANNED,
            f"SELECT b._reconciled_seq AS seq FROM {BATCH} b WHERE b._reconciled_corrects IS NOT NULL "
            f"OR b._reconciled_key IN (SELECT _reconciled_key FROM {BATCH} "
            "GROUP BY _reconciled_key HAVING count(*) > 1) "
            f"OR b._reconciled_key IN (SELECT _reconciled_corrects FROM {BATCH} "
            "WHERE _reconciled_corrects IS NOT NULL) "
            f"OR EXISTS ({known})",
            params,
        )
        self._loaded = stream
        return self.fetch(
            "SELECT _reconciled_key, _reconciled_corrects, _reconciled_order, _reconciled_digest, "
            f"_reconciled_seq FROM {BATCH} WHERE _reconciled_seq IN (SELECT seq FROM {PLANNED}) "
            "ORDER BY _reconciled_seq"
        )

    def write_plan(self, stream: str, plan: Plan) -> None:
        """The statements that write a loaded batch: history, links, remaps, current rows, sequence.

        Run in the caller's transaction.
        """
        if self._loaded != stream:
            raise TableError(f"stream {stream!r}: no batch loaded")
        self._loaded = ""
        self._plan_tables(plan)
        if self.outbox is not None:
            self.outbox.before_write(stream, plan.remaps)
        columns = self._columns[stream]
        data = "".join(f"b.{quote(column)}, " for column in columns)
        seq = "b._reconciled_seq"
        if plan.dropped:  # close up the numbers of dropped rows (``Plan.dropped``)
            seq += " - (SELECT count(*) FROM _reconciled_dropped d WHERE d.seq < b._reconciled_seq)"
        self.derived(
            NEW,
            f"SELECT {data}coalesce(n.root, b._reconciled_key) AS _reconciled_root, "
            f"{seq} AS _reconciled_seq, b._reconciled_key, b._reconciled_corrects, b._reconciled_order, "
            "b._reconciled_digest, "
            "n.seq IS NULL AS _reconciled_settled "
            f"FROM {BATCH} b LEFT JOIN _reconciled_rows n ON n.seq = b._reconciled_seq "
            f"WHERE n.seq IS NOT NULL OR b._reconciled_seq NOT IN (SELECT seq FROM {PLANNED})",
        )
        names = "".join(f"{quote(column)}, " for column in columns)
        book = ", ".join(BOOKKEEPING)
        versions, where, params = self.versions_source(stream)
        if self.history:
            self.run(
                f"INSERT INTO {versions} ({names}{book}, _reconciled_at) "
                f"SELECT {names}{book}, {self.NOW} FROM {NEW}"
            )
        else:
            self.run(f"INSERT INTO {versions} (stream, {book}) SELECT ?, {book} FROM {NEW}", [stream])
        links = self.table("_reconciled_links")
        if self._rules[stream].corrects is not None:
            self.run(
                f"INSERT INTO {links} SELECT ?, _reconciled_key, NULL, _reconciled_key FROM {NEW} "
                "WHERE _reconciled_settled",
                [stream],
            )
        if plan.links:
            self.run(
                f"DELETE FROM {links} WHERE stream = ? AND key IN (SELECT key FROM _reconciled_links_new)",
                [stream],
            )
            self.run(f"INSERT INTO {links} SELECT ?, key, parent, root FROM _reconciled_links_new", [stream])
        if plan.remaps:
            self.run(
                f"UPDATE {versions} AS v SET _reconciled_root = m.new FROM _reconciled_remaps m "
                f"WHERE {where} AND v._reconciled_root = m.old",
                params,
            )
            self.run(
                f"UPDATE {links} AS l SET root = m.new FROM _reconciled_remaps m "
                "WHERE l.stream = ? AND l.root = m.old",
                [stream],
            )
        replaced = self._replace_current(stream, plan)
        key_columns = len(self._rules[stream].key)
        self.run(
            f"INSERT INTO {self.table(stream)} ({names}{', '.join(CURRENT_META)}) "
            f"SELECT {names}{self.shown('_reconciled_key', key_columns)}, 1, {self.NOW}, _reconciled_key, "
            f"_reconciled_digest FROM {NEW} WHERE _reconciled_settled"
        )
        if self.outbox is not None:
            self.outbox.after_write(stream, "_reconciled_changed" if replaced else None, NEW)
        self._see_versions(stream)
        # After the last row stored: a batch of replays only changes nothing, not even this.
        self.run(
            f"UPDATE {self.table('_reconciled_streams')} SET next_seq = "
            f"coalesce((SELECT max(_reconciled_seq) + 1 FROM {NEW}), next_seq) WHERE stream = ?",
            [stream],
        )

    def _plan_tables(self, plan: Plan) -> None:
        """The plan as temp tables: rows kept, links, remaps, dropped sequences, winners."""
        self.lists(
            "_reconciled_rows",
            {
                "seq": (BIGINT, [seq for _, seq, _ in plan.rows]),
                "root": (VARCHAR, [root for *_, root in plan.rows]),
            },
        )
        self.lists(
            "_reconciled_links_new",
            {
                "key": (VARCHAR, list(plan.links)),
                "parent": (VARCHAR, [link.parent for link in plan.links.values()]),
                "root": (VARCHAR, [link.root for link in plan.links.values()]),
            },
        )
        self.lists(
            "_reconciled_remaps",
            {"old": (VARCHAR, list(plan.remaps)), "new": (VARCHAR, list(plan.remaps.values()))},
        )
        self.lists("_reconciled_dropped", {"seq": (BIGINT, plan.dropped)})
        self.lists(
            "_reconciled_winners",
            {
                "root": (VARCHAR, list(plan.current)),
                "seq": (BIGINT, [plan.closed(w.seq) for w in plan.current.values()]),
                "versions": (BIGINT, [w.versions for w in plan.current.values()]),
            },
        )

    def _see_versions(self, stream: str) -> None:
        """Keep the latest table version seen for each key of the batch (for ``ACTIVATE_VERSION``)."""
        seen = self.table("_reconciled_seen")
        self.temp(
            "_reconciled_seen_new",
            "SELECT _reconciled_key AS key, max(_reconciled_version) AS v "
            f"FROM {BATCH} WHERE _reconciled_version IS NOT NULL GROUP BY _reconciled_key",
        )
        self.run(
            f"UPDATE {seen} AS s SET table_version = greatest(s.table_version, n.v) "
            "FROM _reconciled_seen_new n WHERE s.stream = ? AND s.key = n.key",
            [stream],
        )
        self.run(
            f"INSERT INTO {seen} SELECT ?, key, v FROM _reconciled_seen_new "
            f"WHERE key NOT IN (SELECT key FROM {seen} WHERE stream = ?)",
            [stream, stream],
        )

    def _replace_current(self, stream: str, plan: Plan) -> bool:
        """Replace the current rows whose winner or version count changed, drop remapped roots.

        The winner of each root is found by sequence in the stored versions; its data comes from
        the history, or without history from this batch or the current row that already holds it.
        Returns whether temp table ``_reconciled_changed`` (the roots replaced) was made.
        """
        if not plan.current and not plan.remaps:
            return False
        current = self.table(stream)
        columns = self._columns[stream]
        key = self._rules[stream].key
        versions, where, params = self.versions_source(stream)
        self.temp(
            "_reconciled_changed",
            "SELECT w.root, w.seq, w.versions, v._reconciled_key AS key, v._reconciled_digest AS digest "
            f"FROM _reconciled_winners w JOIN {versions} v ON v._reconciled_seq = w.seq AND {where} "
            f"LEFT JOIN {current} c ON c._reconciled_root = w.root WHERE c._reconciled_root IS NULL "
            f"OR c._reconciled_source_key IS DISTINCT FROM {self.shown('v._reconciled_key', len(key))} "
            "OR c._reconciled_digest IS DISTINCT FROM v._reconciled_digest "
            "OR c._reconciled_versions IS DISTINCT FROM w.versions",
            params,
        )
        picks = "".join(
            f"{self.key_value('w.root', key.index(column), kind)} AS {quote(column)}, "
            if column in key
            else f"s.{quote(column)}, "
            for column, kind in columns.items()
        )
        listed = "".join(f"{quote(column)}, " for column in columns)
        if self.history:
            source = (
                f"SELECT * FROM {self.table(stream + HISTORY_SUFFIX)} "
                "WHERE _reconciled_seq IN (SELECT seq FROM _reconciled_changed)"
            )
            match = "s._reconciled_seq = w.seq"
        else:
            source = (
                f"SELECT {listed}_reconciled_key, _reconciled_digest FROM {NEW} UNION ALL "
                f"SELECT {listed}{self.canonical('_reconciled_source_key', len(key))}, _reconciled_digest "
                f"FROM {current}"
            )
            match = "s._reconciled_key = w.key AND s._reconciled_digest = w.digest"
        self.temp(
            "_reconciled_next",
            f"SELECT {picks}{self.shown('w.key', len(key))} AS _reconciled_source_key, "
            f"w.versions AS _reconciled_versions, {self.NOW} AS _reconciled_at, w.root AS _reconciled_root, "
            f"w.digest AS _reconciled_digest FROM _reconciled_changed w JOIN ({source}) s ON {match}",
        )
        counts = self.fetch(
            "SELECT (SELECT count(*) FROM _reconciled_changed), (SELECT count(*) FROM _reconciled_next)"
        )
        if counts[0][0] != counts[0][1]:
            raise TableError(f"stream {stream!r}: a winning row of this batch was not found in the database")
        self.run(
            f"DELETE FROM {current} WHERE _reconciled_root IN "
            "(SELECT root FROM _reconciled_changed UNION ALL SELECT old FROM _reconciled_remaps)"
        )
        self.run(f"INSERT INTO {current} ({listed}{', '.join(CURRENT_META)}) SELECT * FROM _reconciled_next")
        return True

    def activate_version(self, stream: str, version: int) -> None:
        """Drop current rows of roots that no key seen with table version >= ``version`` belongs to."""
        versions, where, params = self.versions_source(stream)
        unreached = (
            f"NOT EXISTS (SELECT 1 FROM {versions} v "
            f"JOIN {self.table('_reconciled_seen')} s ON s.key = v._reconciled_key "
            f"WHERE {where} AND v._reconciled_root = {self.table(stream)}._reconciled_root "
            "AND s.stream = ? AND s.table_version >= ?)"
        )
        with self.transaction():
            if self.outbox is not None:
                found = self.fetch(
                    f"SELECT _reconciled_root FROM {self.table(stream)} WHERE {unreached}",
                    [*params, stream, version],
                )
                self.outbox.vanish(stream, dict.fromkeys(root for (root,) in found), DELETED)
            self.run(f"DELETE FROM {self.table(stream)} WHERE {unreached}", [*params, stream, version])
