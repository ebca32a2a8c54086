"""The embedded DuckDB destination: current table, history and bookkeeping in one database file."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from target_reconciled.batchfile import Batch
from target_reconciled.coltypes import reported_type
from target_reconciled.destinations.base import BadRow, refuse_duplicated_keys
from target_reconciled.destinations.sql import NEW, PLANNED, SQLDestination
from target_reconciled.destinations.staging import BATCH, literal, quote, stage_sql
from target_reconciled.destinations.tables import HISTORY_META, TableError
from target_reconciled.model import Incoming, Plan

MEMORY_MB = 64
"""DuckDB's memory limit, in MB, before the per-column share (see ``prepared``)."""
MEMORY_MB_PER_COLUMN = 1
CHECKPOINT_THRESHOLD = "64MB"
TEMP_TABLES = (
    BATCH,
    PLANNED,
    "_reconciled_q",
    "_reconciled_rows",
    "_reconciled_links_new",
    "_reconciled_remaps",
    "_reconciled_dropped",
    "_reconciled_winners",
    "_reconciled_seen_new",
    "_reconciled_changed",
    "_reconciled_next",
)
"""The per-batch temp tables (and the view ``NEW``), dropped once the batch is written."""


class DuckDBError(TableError):
    """A stream's tables cannot be used as configured, or the database cannot be opened."""


class DuckDBDestination(SQLDestination):
    """Writes each stream to ``<stream>``, ``<stream>__history`` and ``_reconciled_*`` tables."""

    NOW = "get_current_timestamp()"

    def __init__(self, path: str, schema: str, *, history: bool) -> None:
        """Open (or create) the database file and the schema."""
        super().__init__(schema, history=history)
        self.con = _connect(path)
        # Bounded memory: a small buffer pool (sized by the widest stream, see ``prepared``),
        # one thread (the target reads the next batch meanwhile, on the other core; each thread
        # takes its own 32 MB JSON buffer), no insertion order kept (every read that needs an
        # order sorts), and a checkpoint every 64 MB of WAL (appended rows stay in memory until
        # checkpointed; checkpoints of less cost more in all). No vacuum at checkpoints: it rewrote
        # every row group holding a replaced current row at every batch, a cost growing with the
        # table (a million Invoca rows: 119 s of commits instead of 26 s); the space of replaced rows
        # (a few percent of the current table) stays in the file.
        self._widest = 0
        self.prepared({})
        self.con.execute("SET threads = 1")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET max_vacuum_tasks = 0")
        self.create_schema()

    def run(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one statement."""
        self.con.execute(sql, params or [])

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one query (read whole, as DuckDB requires before the next call)."""
        return self.con.execute(sql, params or []).fetchall()

    def chunks(self, sql: str, params: list[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one query, fetched ``size`` at a time."""
        cursor = self.con.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One DuckDB transaction."""
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    ddl = transaction

    def commit(self) -> None:
        """Nothing to do: outside ``transaction`` each statement commits."""

    def lists(self, name: str, columns: Mapping[str, tuple[str, Collection[Any]]]) -> None:
        """Temp table ``name`` from same-length lists, each one list parameter.

        (``read_json`` would reserve 32 MB of the memory limit.)
        """
        picks = ", ".join(f"unnest(?::{kind}[]) AS {quote(column)}" for column, (kind, _) in columns.items())
        self.temp(name, f"SELECT {picks}", [list(values) for _, values in columns.values()])

    def temp(self, name: str, select: str, params: list[Any] | None = None) -> None:
        """Temp table ``name`` of the rows of ``select`` (dropped after the batch)."""
        self.run(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {select}", params)

    def derived(self, name: str, select: str) -> None:
        """A temp view: each statement reads what it needs of the batch."""
        self.run(f"CREATE OR REPLACE TEMP VIEW {quote(name)} AS {select}")

    def values(self, values: Collection[str]) -> tuple[str, list[Any]]:
        """The texts as temp table ``_reconciled_q``."""
        self.lists("_reconciled_q", {"v": ("VARCHAR", values)})
        return "(SELECT v FROM _reconciled_q)", []

    def sql_type(self, kind: str) -> str:
        """``coltypes`` types are DuckDB's."""
        return kind

    def existing(self, name: str) -> dict[str, str] | None:
        """The columns of table ``name`` in the schema, as DuckDB reports them."""
        rows = self.fetch(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [self.schema, name],
        )
        return {column: reported_type(kind) for column, kind in rows} if rows else None

    def key_value(self, root: str, index: int, kind: str) -> str:
        """``TRY_CAST`` of the key's text."""
        return f"TRY_CAST(json_extract_string({root}, {literal(f'$[{index}]')}) AS {kind})"

    def shown(self, text: str, key_columns: int) -> str:
        """A one-column key's plain value, a composite key's canonical text."""
        return text if key_columns > 1 else f"json_extract_string({text}, '$[0]')"

    def canonical(self, shown: str, key_columns: int) -> str:
        """The inverse of ``shown``."""
        return shown if key_columns > 1 else f"to_json([{shown}])"

    def prepared(self, columns: Mapping[str, str]) -> None:
        """Set DuckDB's memory limit for streams of up to this many data columns.

        A batch's working set grows with its width: 25,000 of Invoca's 190-column rows take
        about 60 MB staged and as much again for each table they are appended to before the
        commit (DuckDB 2.0.1; ``read_json`` reserves up to two 32 MB buffers besides). Within this
        limit the peak stays flat as tables grow (DuckDB caches their blocks up to it); a 110 MB
        limit runs out of memory on those batches, 140 MB lowers the peak by 7%.
        """
        self._widest = max(self._widest, len(columns))
        limit = MEMORY_MB + MEMORY_MB_PER_COLUMN * (self._widest + len(HISTORY_META))
        self.con.execute(f"SET memory_limit = '{limit}MB'")

    def load(self, stream: str, batch: Batch) -> list[Incoming]:
        """Load a batch file (see ``staging``); settle its rows that need no plan, return the others.

        Which rows need a plan: ``SQLDestination.plan_rows``. Raises ``BadRow`` for the first
        row (by line) that cannot be loaded.
        """
        first = self.next_seq(stream)
        try:
            self.run(stage_sql(batch.path, self._columns[stream], self._rules[stream], batch.longest, first))
        except duckdb.InvalidInputException:
            refuse_duplicated_keys(batch)  # DuckDB refuses such a record; say which, in the input's terms
            raise
        bad = self.fetch(
            f"SELECT _reconciled_line, _reconciled_bad FROM {BATCH} "
            "WHERE _reconciled_bad IS NOT NULL ORDER BY _reconciled_line LIMIT 1"
        )
        if bad:
            raise BadRow(*bad[0])
        return [Incoming(*row) for row in self.plan_rows(stream)]

    def write(self, stream: str, plan: Plan) -> None:
        """Write the loaded batch in one transaction (``write_plan``), then drop its temp tables."""
        with self.transaction():
            self.write_plan(stream, plan)
        for name in TEMP_TABLES:
            self.run(f"DROP TABLE IF EXISTS {quote(name)}")
        self.run(f"DROP VIEW IF EXISTS {NEW}")

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
