"""The PostgreSQL destination: current table, history and bookkeeping in one schema of a database.

One batch is one transaction, from the load to the commit: the batch file is copied into a temp
table (``COPY``), typed there (``pg_staging``), planned and written; the stream's row of
``_reconciled_streams`` stays locked meanwhile, so two runs loading the same stream take turns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict

from target_reconciled.batchfile import Batch
from target_reconciled.coltypes import (
    BIGINT,
    BOOLEAN,
    DATE,
    DECIMAL,
    JSON,
    TIME,
    TIMESTAMPTZ,
    VARCHAR,
    column_type,
    evolution,
    widen,
)
from target_reconciled.destinations.base import BadRow, Destination
from target_reconciled.destinations.pg_staging import (
    BATCH,
    CAST_FUNCTION,
    COPY_RAW,
    PG_TYPES,
    RAW,
    bad_value_sql,
    shaped_cast,
    stage_sql,
)
from target_reconciled.destinations.staging import quote
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

MAX_NAME = 63
"""PostgreSQL's longest identifier, in bytes: longer names would be cut silently."""
REPORTED = {
    "boolean": BOOLEAN,
    "bigint": BIGINT,
    "numeric": DECIMAL,
    "text": VARCHAR,
    "timestamp with time zone": TIMESTAMPTZ,
    "date": DATE,
    "time without time zone": TIME,
    "jsonb": JSON,
}
"""Our type for each type ``information_schema`` reports (anything else counts as text)."""
INDEXES = {
    "current": [("UNIQUE", "_reconciled_root")],
    "history": [("", "_reconciled_root"), ("", "_reconciled_seq")],
    "_reconciled_streams": [("UNIQUE", "stream")],
    "_reconciled_links": [("UNIQUE", "stream, key"), ("", "stream, root")],
    "_reconciled_seen": [("UNIQUE", "stream, key")],
    "_reconciled_versions": [("", "stream, _reconciled_root"), ("", "stream, _reconciled_seq")],
}
"""Per table (``current`` and ``history`` for every stream's): ``(UNIQUE or not, columns)``."""
_COPY_LINE = re.compile(r"COPY \S+, line (\d+)")
_NUL = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")
"""A JSON ``\\u0000`` escape (after an even run of backslashes, which are escaped backslashes)."""
logger = logging.getLogger("target-reconciled")


class PostgresError(TableError):
    """The database cannot be reached, or a stream's tables cannot be used as configured."""


def where(url: str) -> str:
    """The connection URL without its password: ``user@host:port/dbname``."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an unreadable URL"
    host = parts.get("host") or "localhost"
    user, port, dbname = parts.get("user") or "(default user)", parts.get("port") or 5432, parts.get("dbname")
    return f"{user}@{host}:{port}/{dbname or ''}"


def connect(url: str) -> psycopg.Connection[Any]:
    """Open a connection for ``postgres_url``; errors name the setting, never the password."""
    url = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)  # SQLAlchemy spelling
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise PostgresError(
            "postgres_url is not a PostgreSQL connection URL: use postgresql://user:password@host:5432/database"
        ) from None
    try:
        conn = psycopg.connect(url, connect_timeout=30, application_name="target-reconciled")
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().replace(url, "postgres_url")
        raise PostgresError(
            f"cannot connect to PostgreSQL at {where(url)} (postgres_url): {reason}. "
            "Check that the server runs and accepts this user, or set postgres_url."
        ) from None
    conn.cursor_factory = psycopg.RawCursor
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO'")
    conn.commit()
    return conn


def _check_name(name: str, what: str) -> None:
    if len(name.encode()) > MAX_NAME:
        raise PostgresError(
            f"{what} {name!r} is longer than PostgreSQL's {MAX_NAME} bytes: rename it "
            "(a stream map alias renames a stream)"
        )


class PostgresStore:
    """A stream's committed bookkeeping, read in the batch's transaction (the engine's ``Store``)."""

    def __init__(self, destination: PostgresDestination, stream: str) -> None:
        """Read the bookkeeping of ``stream`` in ``destination``."""
        self._db = destination
        self._stream = stream

    def links(self, keys: Collection[str]) -> dict[str, Link]:
        """The known links of these keys."""
        if not keys:
            return {}
        rows = self._db.fetch(
            f"SELECT key, parent, root FROM {self._db.table('_reconciled_links')} "
            "WHERE stream = $1 AND key = ANY($2)",
            [self._stream, list(keys)],
        )
        return {key: Link(parent, root) for key, parent, root in rows}

    def versions(self, roots: Collection[str]) -> list[Stored]:
        """Every stored version under these roots."""
        if not roots:
            return []
        table, where, params = self._db.versions_source(self._stream)
        rows = self._db.fetch(
            f"SELECT {', '.join(BOOKKEEPING)} FROM {table} v "
            f"WHERE {where} AND _reconciled_root = ANY(${len(params) + 1})",
            [*params, list(roots)],
        )
        return [Stored(*row) for row in rows]


class PostgresDestination(Destination):
    """Writes each stream to ``<stream>``, ``<stream>__history`` and ``_reconciled_*`` tables."""

    def __init__(self, url: str, schema: str, *, history: bool) -> None:
        """Connect, and create the schema and the bookkeeping tables."""
        _check_name(schema, "default_target_schema")
        self.conn = connect(url)
        self.schema = schema
        self.history = history
        self._columns: dict[str, dict[str, str]] = {}
        self._rules: dict[str, StreamRules] = {}
        self._loaded = ""
        with self._ddl():
            self.run(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for name, columns in INTERNAL.items():
                self._create(name, columns, INDEXES[name])

    def table(self, name: str) -> str:
        """The qualified, quoted name of a table in the target schema."""
        return f"{quote(self.schema)}.{quote(name)}"

    def run(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run one statement in the open transaction."""
        self.conn.execute(sql, params)

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a query run in the open transaction."""
        return self.conn.execute(sql, params).fetchall()

    @contextmanager
    def _ddl(self) -> Iterator[None]:
        """A transaction that changes tables: one at a time per schema, whatever the process."""
        with self.conn.transaction():
            self.run("SELECT pg_advisory_xact_lock(hashtext($1))", [f"target-reconciled {self.schema}"])
            yield

    def versions_source(self, stream: str) -> tuple[str, str, list[Any]]:
        """Table, filter (on alias ``v``) and parameters of the rows that answer ``Store.versions``."""
        if self.history:
            return self.table(stream + HISTORY_SUFFIX), "TRUE", []
        return self.table("_reconciled_versions"), "v.stream = $1", [stream]

    def _create(self, name: str, columns: Mapping[str, str], indexes: Sequence[tuple[str, str]]) -> None:
        """Create table ``name`` and its indexes, unless it exists."""
        exists = self.fetch("SELECT to_regclass($1) IS NOT NULL", [self.table(name)])[0][0]
        if exists:
            return
        body = ", ".join(f"{quote(column)} {PG_TYPES[kind]}" for column, kind in columns.items())
        self.run(f"CREATE TABLE {self.table(name)} ({body})")
        for unique, indexed in indexes:
            self.run(f"CREATE {unique} INDEX ON {self.table(name)} ({indexed})")

    def _existing(self, name: str) -> dict[str, str] | None:
        rows = self.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            [self.schema, name],
        )
        return {column: REPORTED.get(kind, VARCHAR) for column, kind in rows} if rows else None

    def _evolve(
        self, name: str, wanted: Mapping[str, str], meta: Mapping[str, str], index: str
    ) -> dict[str, str]:
        """Create table ``name`` or bring it to the wanted columns (add, widen, never narrow)."""
        _check_name(name, "table")
        existing = self._existing(name)
        if existing is None:
            self._create(name, {**wanted, **meta}, INDEXES[index])
            return dict(wanted)
        data = {column: kind for column, kind in existing.items() if column not in meta}
        added, widened = evolution(data, wanted)
        table = self.table(name)
        for column, kind in added.items():
            self.run(f"ALTER TABLE {table} ADD COLUMN {quote(column)} {PG_TYPES[kind]}")
        for column, kind in widened.items():
            pg_type = PG_TYPES[kind]
            self.run(
                f"ALTER TABLE {table} ALTER COLUMN {quote(column)} TYPE {pg_type} "
                f"USING {quote(column)}::{pg_type}"
            )
        return {**data, **added, **widened}

    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create or evolve the stream's tables and record its rules."""
        properties = data_columns(stream, schema)
        for name in properties:
            _check_name(name, f"stream {stream!r}: column")
        wanted = {name: column_type(prop) for name, prop in properties.items()}
        streams = self.table("_reconciled_streams")
        with self._ddl():
            found = self.fetch(f"SELECT history FROM {streams} WHERE stream = $1", [stream])
            check_history_mode(stream, found[0][0] if found else None, self.history, self.schema)
            columns = self._evolve(stream, wanted, CURRENT_META, "current")
            if self.history:
                history = self._evolve(stream + HISTORY_SUFFIX, wanted, HISTORY_META, "history")
                columns = {name: widen(kind, history.get(name, kind)) for name, kind in columns.items()}
            if not found:
                self.run(f"INSERT INTO {streams} VALUES ($1, 1, $2, '')", [stream, self.history])
            self.run(f"UPDATE {streams} SET rules = $1 WHERE stream = $2", [rules.describe(), stream])
        self._columns[stream] = columns
        self._rules[stream] = rules

    def store(self, stream: str) -> PostgresStore:
        """The committed bookkeeping of a stream."""
        return PostgresStore(self, stream)

    def load(self, stream: str, batch: Batch) -> list[Incoming]:
        """Copy and type a batch file; settle its rows that need no plan, return the others.

        Opens the batch's transaction (``write`` commits it) and locks the stream's sequence.
        Which rows need a plan is as in ``DuckDBDestination.load``. Raises ``BadRow`` for the
        first row (by line) that cannot be loaded, after rolling the transaction back.
        """
        rules = self._rules[stream]
        try:
            (first,) = self.fetch(
                f"SELECT next_seq FROM {self.table('_reconciled_streams')} WHERE stream = $1 FOR UPDATE",
                [stream],
            )[0]
            self.run(f"CREATE TEMP TABLE {RAW} (d jsonb) ON COMMIT DROP")
            self._copy(stream, batch)
            self._stage(stream, rules, first)
            bad = self.fetch(
                f"SELECT _reconciled_line, _reconciled_bad FROM {BATCH} "
                "WHERE _reconciled_bad IS NOT NULL ORDER BY _reconciled_line LIMIT 1"
            )
            if bad:
                raise BadRow(*bad[0])
            self.run(f"ANALYZE {BATCH} (_reconciled_key, _reconciled_corrects, _reconciled_seq)")
            if rules.corrects is None:
                versions, where, params = self.versions_source(stream)
                known = f"SELECT 1 FROM {versions} v WHERE {where} AND v._reconciled_root = b._reconciled_key"
            else:
                known = (
                    f"SELECT 1 FROM {self.table('_reconciled_links')} l "
                    "WHERE l.stream = $1 AND l.key = b._reconciled_key"
                )
                params = [stream]
            self.run(
                "CREATE TEMP TABLE _reconciled_planned ON COMMIT DROP AS "
                f"SELECT b._reconciled_seq AS seq FROM {BATCH} b WHERE b._reconciled_corrects IS NOT NULL "
                f"OR b._reconciled_key IN (SELECT _reconciled_key FROM {BATCH} "
                "GROUP BY _reconciled_key HAVING count(*) > 1) "
                f"OR b._reconciled_key IN (SELECT _reconciled_corrects FROM {BATCH}) "
                f"OR EXISTS ({known})",
                params,
            )
            rows = self.fetch(
                "SELECT _reconciled_key, _reconciled_corrects, _reconciled_order, _reconciled_digest, "
                f"_reconciled_seq FROM {BATCH} "
                "WHERE _reconciled_seq IN (SELECT seq FROM _reconciled_planned) "
                "ORDER BY _reconciled_seq"
            )
        except BaseException:
            self.conn.rollback()
            raise
        self._loaded = stream
        return [Incoming(*row) for row in rows]

    def _copy(self, stream: str, batch: Batch) -> None:
        """Copy the batch file's lines into ``RAW``; a line PostgreSQL cannot store raises ``BadRow``.

        PostgreSQL cannot store the character U+0000 in text or jsonb: it is stored as U+FFFD, with
        a warning, rather than failing the run for one character.
        """
        replaced = 0
        try:
            with self.conn.cursor().copy(COPY_RAW) as copy, Path(batch.path).open("rb") as file:
                while chunk := file.read(1 << 20):
                    chunk += file.readline()  # whole lines: an escape never straddles two chunks
                    if b"\\u0000" in chunk:
                        chunk, count = _NUL.subn(rb"\1\\ufffd", chunk)
                        replaced += count
                    copy.write(chunk)
        except errors.DataError as exc:
            found = _COPY_LINE.search(exc.diag.context or "")
            if found is None:
                raise
            with Path(batch.path).open("rb") as file:
                for number, text in enumerate(file, 1):
                    if number == int(found.group(1)):
                        reason = f"PostgreSQL cannot store the record: {exc.diag.message_primary}"
                        raise BadRow(_read_line(text).l, reason) from None
            raise
        if replaced:
            logger.warning(
                "stream %r: %d value(s) held the character U+0000, which PostgreSQL cannot store; "
                "stored as U+FFFD",
                stream,
                replaced,
            )

    def _stage(self, stream: str, rules: StreamRules, first: int) -> None:
        """Create the typed batch; a value its column type rejects raises ``BadRow`` naming it."""
        columns = self._columns[stream]
        try:
            with self.conn.transaction():  # a savepoint: the batch's transaction goes on
                self.run(stage_sql(columns, rules, first))
        except errors.DataError:
            self.run(CAST_FUNCTION)
            found = self.fetch(bad_value_sql(columns))
            if found:
                raise BadRow(*found[0]) from None
            raise

    def _lists(self, name: str, columns: Mapping[str, tuple[str, Collection[Any]]]) -> None:
        """Create temp table ``name`` from same-length lists: ``{column: (PostgreSQL type, values)}``."""
        arrays = ", ".join(f"${n}::{kind}[]" for n, (kind, _) in enumerate(columns.values(), 1))
        self.run(
            f"CREATE TEMP TABLE {quote(name)} ON COMMIT DROP AS SELECT * FROM unnest({arrays}) "
            f"AS t({', '.join(quote(column) for column in columns)})",
            [list(values) for _, values in columns.values()],
        )

    def write(self, stream: str, plan: Plan) -> None:
        """Write the loaded batch and commit: history, links, remaps, current rows, sequence."""
        if self._loaded != stream:
            raise PostgresError(f"stream {stream!r}: no batch loaded")
        self._loaded = ""
        try:
            self._write(stream, plan)
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def _write(self, stream: str, plan: Plan) -> None:
        self._lists(
            "_reconciled_rows",
            {
                "seq": ("bigint", [seq for _, seq, _ in plan.rows]),
                "root": ("text", [root for *_, root in plan.rows]),
            },
        )
        self._lists(
            "_reconciled_links_new",
            {
                "key": ("text", list(plan.links)),
                "parent": ("text", [link.parent for link in plan.links.values()]),
                "root": ("text", [link.root for link in plan.links.values()]),
            },
        )
        self._lists(
            "_reconciled_remaps",
            {"old": ("text", list(plan.remaps)), "new": ("text", list(plan.remaps.values()))},
        )
        self._lists(
            "_reconciled_winners",
            {
                "root": ("text", list(plan.current)),
                "seq": ("bigint", [w.seq for w in plan.current.values()]),
                "versions": ("bigint", [w.versions for w in plan.current.values()]),
            },
        )
        columns = self._columns[stream]
        data = "".join(f"b.{quote(column)}, " for column in columns)
        settled = "NOT EXISTS (SELECT 1 FROM _reconciled_planned p WHERE p.seq = b._reconciled_seq)"
        self.run(
            f"CREATE TEMP TABLE _reconciled_new ON COMMIT DROP AS SELECT {data}"
            "coalesce(n.root, b._reconciled_key) AS _reconciled_root, b._reconciled_seq, b._reconciled_key, "
            "b._reconciled_corrects, b._reconciled_order, b._reconciled_digest, "
            "n.seq IS NULL AS _reconciled_settled "
            f"FROM {BATCH} b LEFT JOIN _reconciled_rows n ON n.seq = b._reconciled_seq "
            f"WHERE n.seq IS NOT NULL OR {settled}"
        )
        names = "".join(f"{quote(column)}, " for column in columns)
        book = ", ".join(BOOKKEEPING)
        versions, where, params = self.versions_source(stream)
        if self.history:
            self.run(
                f"INSERT INTO {versions} ({names}{book}, _reconciled_at) "
                f"SELECT {names}{book}, now() FROM _reconciled_new"
            )
        else:
            self.run(
                f"INSERT INTO {versions} (stream, {book}) SELECT $1, {book} FROM _reconciled_new", [stream]
            )
        links = self.table("_reconciled_links")
        if self._rules[stream].corrects is not None:
            self.run(
                f"INSERT INTO {links} SELECT $1, _reconciled_key, NULL, _reconciled_key "
                "FROM _reconciled_new WHERE _reconciled_settled",
                [stream],
            )
        if plan.links:
            self.run(
                f"DELETE FROM {links} WHERE stream = $1 AND key IN (SELECT key FROM _reconciled_links_new)",
                [stream],
            )
            self.run(f"INSERT INTO {links} SELECT $1, key, parent, root FROM _reconciled_links_new", [stream])
        if plan.remaps:
            self.run(
                f"UPDATE {versions} AS v SET _reconciled_root = m.new FROM _reconciled_remaps m "
                f"WHERE {where} AND v._reconciled_root = m.old",
                params,
            )
            self.run(
                f"UPDATE {links} AS l SET root = m.new FROM _reconciled_remaps m "
                "WHERE l.stream = $1 AND l.root = m.old",
                [stream],
            )
        self._replace_current(stream, plan)
        key = self._rules[stream].key
        self.run(
            f"INSERT INTO {self.table(stream)} ({names}{', '.join(CURRENT_META)}) "
            f"SELECT {names}{_shown(len(key), '_reconciled_key')}, 1, now(), _reconciled_key, "
            "_reconciled_digest "
            "FROM _reconciled_new WHERE _reconciled_settled"
        )
        seen = self.table("_reconciled_seen")
        self.run(
            f"INSERT INTO {seen} AS s SELECT $1, _reconciled_key, max(_reconciled_version) FROM {BATCH} "
            "WHERE _reconciled_version IS NOT NULL GROUP BY _reconciled_key "
            "ON CONFLICT (stream, key) DO UPDATE "
            "SET table_version = greatest(s.table_version, excluded.table_version)",
            [stream],
        )
        # After the last row stored: a batch of replays only changes nothing, not even this.
        self.run(
            f"UPDATE {self.table('_reconciled_streams')} SET next_seq = "
            "coalesce((SELECT max(_reconciled_seq) + 1 FROM _reconciled_new), next_seq) WHERE stream = $1",
            [stream],
        )

    def _replace_current(self, stream: str, plan: Plan) -> None:
        """Replace the current rows whose winner or version count changed, drop remapped roots.

        As in ``DuckDBDestination._replace_current``: the winner's data comes from the history,
        or without history from this batch or the current row that already holds it.
        """
        if not plan.current and not plan.remaps:
            return
        current = self.table(stream)
        columns = self._columns[stream]
        key = self._rules[stream].key
        versions, where, params = self.versions_source(stream)
        self.run(
            "CREATE TEMP TABLE _reconciled_changed ON COMMIT DROP AS SELECT w.root, w.seq, w.versions, "
            "v._reconciled_key AS key, v._reconciled_digest AS digest "
            f"FROM _reconciled_winners w JOIN {versions} v ON v._reconciled_seq = w.seq AND {where} "
            f"LEFT JOIN {current} c ON c._reconciled_root = w.root WHERE c._reconciled_root IS NULL "
            f"OR c._reconciled_source_key IS DISTINCT FROM {_shown(len(key), 'v._reconciled_key')} "
            "OR c._reconciled_digest IS DISTINCT FROM v._reconciled_digest "
            "OR c._reconciled_versions IS DISTINCT FROM w.versions",
            params,
        )
        picks = []
        for column, kind in columns.items():
            if column in key:
                picks.append(f"{shaped_cast(f'((w.root::jsonb) ->> {key.index(column)})', kind)}, ")
            else:
                picks.append(f"s.{quote(column)}, ")
        listed = "".join(f"{quote(column)}, " for column in columns)
        if self.history:
            source = (
                f"SELECT * FROM {self.table(stream + HISTORY_SUFFIX)} "
                "WHERE _reconciled_seq IN (SELECT seq FROM _reconciled_changed)"
            )
            match = "s._reconciled_seq = w.seq"
        else:
            source = (
                f"SELECT {listed}_reconciled_key, _reconciled_digest FROM _reconciled_new UNION ALL "
                f"SELECT {listed}{_canonical(len(key), '_reconciled_source_key')}, _reconciled_digest "
                f"FROM {current}"
            )
            match = "s._reconciled_key = w.key AND s._reconciled_digest = w.digest"
        self.run(
            f"CREATE TEMP TABLE _reconciled_next ON COMMIT DROP AS SELECT "
            f"{''.join(picks)}{_shown(len(key), 'w.key')} AS _reconciled_source_key, "
            "w.versions AS _reconciled_versions, now() AS _reconciled_at, w.root AS _reconciled_root, "
            "w.digest AS _reconciled_digest "
            f"FROM _reconciled_changed w JOIN ({source}) s ON {match}"
        )
        changed = self.fetch(
            "SELECT (SELECT count(*) FROM _reconciled_changed), (SELECT count(*) FROM _reconciled_next)"
        )
        if changed[0][0] != changed[0][1]:
            raise PostgresError(
                f"stream {stream!r}: a winning row of this batch was not found in the database"
            )
        self.run(
            f"DELETE FROM {current} WHERE _reconciled_root IN "
            "(SELECT root FROM _reconciled_changed UNION ALL SELECT old FROM _reconciled_remaps)"
        )
        self.run(f"INSERT INTO {current} ({listed}{', '.join(CURRENT_META)}) SELECT * FROM _reconciled_next")

    def activate_version(self, stream: str, version: int) -> None:
        """Drop current rows of roots that no key seen with table version >= ``version`` belongs to."""
        versions, where, params = self.versions_source(stream)
        n = len(params)
        with self.conn.transaction():
            self.run(
                f"DELETE FROM {self.table(stream)} c WHERE NOT EXISTS (SELECT 1 FROM {versions} v "
                f"JOIN {self.table('_reconciled_seen')} s ON s.key = v._reconciled_key "
                f"WHERE {where} AND v._reconciled_root = c._reconciled_root "
                f"AND s.stream = ${n + 1} AND s.table_version >= ${n + 2})",
                [*params, stream, version],
            )

    def close(self) -> None:
        """Close the connection (what was not committed is rolled back)."""
        self.conn.close()


def _shown(key_columns: int, text: str) -> str:
    """SQL for ``_reconciled_source_key`` from canonical key text (see ``duckdb.source_key_forms``)."""
    return text if key_columns > 1 else f"(({text})::jsonb ->> 0)"


def _canonical(key_columns: int, shown: str) -> str:
    """SQL for the canonical key text of a ``_reconciled_source_key``."""
    return shown if key_columns > 1 else f"to_json(ARRAY[{shown}])::text"


class _Line(msgspec.Struct):
    l: int  # noqa: E741 (the batch file's field)


_read_line = msgspec.json.Decoder(_Line).decode
