"""The PostgreSQL destination: current table, history and bookkeeping in one schema of a database.

One batch is one transaction, from the load to the commit: the batch file is copied into a temp
table (``COPY``), typed there (``pg_staging``), planned and written; the stream's row of
``_reconciled_streams`` stays locked meanwhile, so two runs loading the same stream take turns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict

from target_reconciled.batchfile import Batch
from target_reconciled.coltypes import BIGINT, BOOLEAN, DATE, DECIMAL, JSON, TIME, TIMESTAMPTZ, VARCHAR
from target_reconciled.destinations.base import BadRow, refuse_duplicated_keys
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
from target_reconciled.destinations.sql import SQLDestination
from target_reconciled.destinations.staging import quote
from target_reconciled.destinations.tables import HISTORY_SUFFIX, TableError
from target_reconciled.model import Incoming, Plan
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
    "": [("UNIQUE", "_reconciled_root")],
    HISTORY_SUFFIX: [("", "_reconciled_root"), ("", "_reconciled_seq")],
    "_reconciled_streams": [("UNIQUE", "stream")],
    "_reconciled_links": [("UNIQUE", "stream, key"), ("", "stream, root")],
    "_reconciled_seen": [("UNIQUE", "stream, key")],
    "_reconciled_versions": [("", "stream, _reconciled_root"), ("", "stream, _reconciled_seq")],
    "_reconciled_forward": [("UNIQUE", "stream")],
    "_reconciled_outbox": [("", "stream, seq")],
}
"""Per internal table, or per suffix of a stream's table: ``(UNIQUE or not, columns)``."""
_COPY_LINE = re.compile(r"COPY \S+, line (\d+)")
_NUL = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")
"""A JSON ``\\u0000`` escape (after an even run of backslashes, which are escaped backslashes)."""
logger = logging.getLogger("target-reconciled")


class PostgresError(TableError):
    """The database cannot be reached, or a stream's tables cannot be used as configured."""


def location(url: str) -> str:
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
            f"cannot connect to PostgreSQL at {location(url)} (postgres_url): {reason}. "
            "Check that the server runs and accepts this user, or set postgres_url."
        ) from None
    conn.cursor_factory = psycopg.RawCursor
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO'")
    conn.commit()
    return conn


def numbered(sql: str) -> str:
    """``sql`` with its ``?`` parameters as PostgreSQL's ``$1``, ``$2``... (quoted text left alone)."""
    parts = re.split(r"""("(?:[^"]|"")*"|'(?:[^']|'')*')""", sql)
    count = 0
    for i in range(0, len(parts), 2):
        pieces = parts[i].split("?")
        text = pieces[0]
        for piece in pieces[1:]:
            count += 1
            text += f"${count}{piece}"
        parts[i] = text
    return "".join(parts)


class PostgresDestination(SQLDestination):
    """Writes each stream to ``<stream>``, ``<stream>__history`` and ``_reconciled_*`` tables."""

    def __init__(self, url: str, schema: str, *, history: bool) -> None:
        """Connect, and create the schema and the bookkeeping tables."""
        super().__init__(schema, history=history)
        self.check_name(schema, "default_target_schema")
        self.conn = connect(url)
        self.create_schema()

    def run(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one statement in the open transaction."""
        self.conn.execute(numbered(sql), params)

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a query run in the open transaction."""
        return self.conn.execute(numbered(sql), params).fetchall()

    def chunks(self, sql: str, params: list[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one query, converted ``size`` at a time."""
        cursor = self.conn.execute(numbered(sql), params)
        while rows := cursor.fetchmany(size):
            yield rows

    @contextmanager
    def ddl(self) -> Iterator[None]:
        """A transaction that changes tables: one at a time per schema, whatever the process."""
        with self.conn.transaction():
            self.run("SELECT pg_advisory_xact_lock(hashtext(?))", [f"target-reconciled {self.schema}"])
            yield

    def transaction(self) -> psycopg.Transaction:
        """One transaction (or a savepoint within the batch's)."""
        return self.conn.transaction()

    def commit(self) -> None:
        """Commit the transaction the reads and writes outside a batch opened."""
        self.conn.commit()

    def lists(self, name: str, columns: Mapping[str, tuple[str, Collection[Any]]]) -> None:
        """Temp table ``name`` from same-length lists, each one array parameter."""
        arrays = ", ".join(f"?::{PG_TYPES[kind]}[]" for kind, _ in columns.values())
        self.temp(
            name,
            f"SELECT * FROM unnest({arrays}) AS t({', '.join(quote(column) for column in columns)})",
            [list(values) for _, values in columns.values()],
        )

    def temp(self, name: str, select: str, params: list[Any] | None = None) -> None:
        """Temp table ``name`` of the rows of ``select``, dropped when the batch commits."""
        self.run(f"DROP TABLE IF EXISTS {quote(name)}")
        self.run(f"CREATE TEMP TABLE {quote(name)} ON COMMIT DROP AS {select}", params)

    def derived(self, name: str, select: str) -> None:
        """A temp table: PostgreSQL would run a view's join again for each statement."""
        self.temp(name, select)

    def values(self, values: Collection[str]) -> tuple[str, list[Any]]:
        """One array parameter."""
        return "(SELECT unnest(?::text[]))", [list(values)]

    def sql_type(self, kind: str) -> str:
        """PostgreSQL's type of a ``coltypes`` type."""
        return PG_TYPES[kind]

    def existing(self, name: str) -> dict[str, str] | None:
        """The columns of table ``name`` in the schema, as ``information_schema`` reports them."""
        rows = self.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [self.schema, name],
        )
        return {column: REPORTED.get(kind, VARCHAR) for column, kind in rows} if rows else None

    def create(self, name: str, columns: Mapping[str, str]) -> None:
        """Create table ``name`` with its indexes."""
        super().create(name, columns)
        indexes = INDEXES.get(name) or INDEXES[HISTORY_SUFFIX if name.endswith(HISTORY_SUFFIX) else ""]
        for unique, indexed in indexes:
            self.run(f"CREATE {unique} INDEX ON {self.table(name)} ({indexed})")

    def check_name(self, name: str, what: str) -> None:
        """Refuse a name PostgreSQL would cut."""
        if len(name.encode()) > MAX_NAME:
            raise PostgresError(
                f"{what} {name!r} is longer than PostgreSQL's {MAX_NAME} bytes: rename it "
                "(a stream map alias renames a stream)"
            )

    def key_value(self, root: str, index: int, kind: str) -> str:
        """The key's text cast to its column type if it is spelled as one."""
        return shaped_cast(f"(({root})::jsonb ->> {index})", kind)

    def shown(self, text: str, key_columns: int) -> str:
        """A one-column key's plain value, a composite key's canonical text."""
        return text if key_columns > 1 else f"(({text})::jsonb ->> 0)"

    def canonical(self, shown: str, key_columns: int) -> str:
        """The inverse of ``shown``."""
        return shown if key_columns > 1 else f"to_json(ARRAY[{shown}])::text"

    def load(self, stream: str, batch: Batch) -> list[Incoming]:
        """Copy and type a batch file; settle its rows that need no plan, return the others.

        Opens the batch's transaction (``write`` commits it) and locks the stream's sequence.
        Which rows need a plan: ``SQLDestination.plan_rows``. Raises ``BadRow`` for the first
        row (by line) that cannot be loaded, after rolling the transaction back.
        """
        try:
            first = self.next_seq(stream, lock=True)
            self.run(f"CREATE TEMP TABLE {RAW} (d jsonb) ON COMMIT DROP")
            self._copy(stream, batch)
            self._stage(stream, self._rules[stream], first)
            bad = self.fetch(
                f"SELECT _reconciled_line, _reconciled_bad FROM {BATCH} "
                "WHERE _reconciled_bad IS NOT NULL ORDER BY _reconciled_line LIMIT 1"
            )
            if bad:
                raise BadRow(*bad[0])
            self.run(f"ANALYZE {BATCH} (_reconciled_key, _reconciled_corrects, _reconciled_seq)")
            rows = self.plan_rows(stream)
        except BaseException:
            self.conn.rollback()
            raise
        return [Incoming(*row) for row in rows]

    def _copy(self, stream: str, batch: Batch) -> None:
        """Copy the batch file's lines into ``RAW``; a line PostgreSQL cannot store raises ``BadRow``.

        PostgreSQL cannot store the character U+0000 in text or jsonb: it is stored as U+FFFD, with
        a warning, rather than failing the run for one character.
        """
        refuse_duplicated_keys(batch)  # jsonb would keep the last value silently
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

    def write(self, stream: str, plan: Plan) -> None:
        """Write the loaded batch (``write_plan``) and commit the batch's transaction."""
        try:
            self.write_plan(stream, plan)
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def close(self) -> None:
        """Close the connection (what was not committed is rolled back)."""
        self.conn.close()


class _Line(msgspec.Struct):
    l: int  # noqa: E741 (the batch file's field)


_read_line = msgspec.json.Decoder(_Line).decode
