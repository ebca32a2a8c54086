"""The outbox of ``destination: singer``: every change to send downstream, numbered in the store.

Each committed batch adds, in its own transaction, one entry per root whose current row changed
(``current``: the row is read from ``<stream>`` when sent, so a re-send sends the newest), one per
root that vanished (``merged`` into another root, or ``deleted`` by ``ACTIVATE_VERSION``: its last
row is kept in the entry) and, with ``forward_history``, one per history row stored or moved to
another root (``history``). ``_reconciled_forward`` holds, per stream, the SCHEMA messages sent
downstream, the next entry number and the last one the downstream acknowledged; acknowledged
entries are deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgspec

from target_reconciled.coltypes import JSON, VARCHAR
from target_reconciled.destinations.staging import quote
from target_reconciled.destinations.tables import HISTORY_SUFFIX

if t.TYPE_CHECKING:
    from target_reconciled.destinations.sql import SQLDestination

CURRENT, MERGED, DELETED, HISTORY = "current", "merged", "deleted", "history"
MERGED_INTO = "_reconciled_merged_into"
FORWARDED_META = ("_reconciled_source_key", "_reconciled_versions", "_reconciled_at")
"""Metadata columns of ``<stream>`` sent downstream with each current row (plus ``MERGED_INTO``)."""
HISTORY_FORWARDED_META = ("_reconciled_root", "_reconciled_seq", "_reconciled_digest", "_reconciled_at")
NO_ROOT = "CAST(NULL AS VARCHAR) AS root"
NO_SEQ = "CAST(NULL AS BIGINT) AS row_seq"
NO_PAYLOAD = "CAST(NULL AS VARCHAR) AS payload"
SEND_CHUNK = 2000
"""Rows read from the store and written downstream at a time, at most."""
SEND_VALUES = 100_000
"""Values read at a time, at most: wide rows go in smaller chunks (Invoca's 190 columns: 526 rows)."""
SEND_CHUNK_MIN = 100


def send_chunk(columns: int) -> int:
    """Rows per chunk for a table of ``columns`` columns.

    A chunk is held as Python values while it is encoded, and ``downstream.QUEUED`` encoded
    chunks wait for the sender: 2,000 Invoca rows a chunk took 115 MB more than 500 rows.
    """
    return max(SEND_CHUNK_MIN, min(SEND_CHUNK, SEND_VALUES // max(columns, 1)))


_encode = msgspec.json.Encoder(decimal_format="number").encode


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def shown_key(canonical: str, key_columns: int) -> Any:
    """A root's canonical key text as the user sees it: the value of a one-column key."""
    if key_columns == 1:
        return json.loads(canonical)[0]
    return canonical


def forwarded_schemas(
    stream: str, schema: Mapping[str, Any], key: Sequence[str], *, history: bool
) -> list[dict[str, Any]]:
    """The SCHEMA messages sent downstream for a stream: ``<stream>`` and maybe ``<stream>__history``.

    Every property but the key is nullable downstream: a current row lacks a column its winning
    row did not have.
    """
    properties = {
        name: prop if name in key else _nullable(prop)
        for name, prop in (schema.get("properties") or {}).items()
    }
    text = {"type": ["string", "null"]}
    current = {
        **properties,
        "_reconciled_source_key": text,
        "_reconciled_versions": {"type": ["integer", "null"]},
        "_reconciled_at": {"type": ["string", "null"], "format": "date-time"},
        MERGED_INTO: text,
    }
    messages = [_schema(stream, current, list(key))]
    if history:
        past = {
            **{name: _nullable(prop) for name, prop in properties.items()},
            "_reconciled_root": text,
            "_reconciled_seq": {"type": ["integer", "null"]},
            "_reconciled_digest": {"type": "string"},
            "_reconciled_at": {"type": ["string", "null"], "format": "date-time"},
        }
        messages.append(_schema(stream + HISTORY_SUFFIX, past, [*key, "_reconciled_digest"]))
    return messages


def _schema(stream: str, properties: dict[str, Any], key: list[str]) -> dict[str, Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": key,
    }


def _nullable(prop: Mapping[str, Any]) -> dict[str, Any]:
    """``prop`` allowing null too."""
    prop = dict(prop)
    declared = prop.get("type")
    if isinstance(declared, str) and declared != "null":
        prop["type"] = [declared, "null"]
    elif isinstance(declared, list) and "null" not in declared:
        prop["type"] = [*declared, "null"]
    elif (branches := prop.get("anyOf")) and not any(branch.get("type") == "null" for branch in branches):
        prop["anyOf"] = [*branches, {"type": "null"}]
    return prop


def _plain(value: Any, kind: str) -> Any:
    """A value read from either database, as JSON for the downstream (DuckDB returns JSON as text)."""
    if kind == JSON and isinstance(value, str):
        return json.loads(value)
    return value


class Outbox:
    """Entries of a store's ``_reconciled_outbox``: added in a batch's transaction, read to send."""

    def __init__(self, db: SQLDestination, *, history: bool) -> None:
        """Numbered changes of ``db``'s streams; ``history``: history rows are sent too."""
        self.db = db
        self.history = history
        self.keys: dict[str, int] = {}
        """Key columns per stream, from its forwarded SCHEMA."""

    # -- in the batch's transaction ----------------------------------------------------------

    def _enqueue(self, stream: str, kind: str, select: str, params: Sequence[Any] = ()) -> None:
        """Add an entry per row of ``select`` (columns root, row_seq, payload), numbered in order."""
        outbox, forward = self.db.table("_reconciled_outbox"), self.db.table("_reconciled_forward")
        self.db.run(
            f"INSERT INTO {outbox} (stream, seq, kind, root, row_seq, payload) "
            "SELECT f.stream, f.next_seq + row_number() OVER (ORDER BY q.row_seq, q.root) - 1, ?, "
            f"q.root, q.row_seq, q.payload FROM ({select}) q CROSS JOIN {forward} f WHERE f.stream = ?",
            [kind, *params, stream],
        )
        self.db.run(
            f"UPDATE {forward} SET next_seq = coalesce((SELECT max(seq) + 1 FROM {outbox} "
            "WHERE stream = ?), next_seq) WHERE stream = ?",
            [stream, stream],
        )

    def vanish(self, stream: str, roots: Mapping[str, str | None], kind: str) -> None:
        """Keep the current rows of ``roots`` (root -> root merged into, or None) before they go."""
        if not roots:
            return
        columns = self.db.existing(stream) or {}
        key_columns = self.keys[stream]
        values, params = self.db.values(list(roots))
        rows = self.db.fetch(
            f"SELECT {', '.join(quote(name) for name in columns)} FROM {self.db.table(stream)} "
            f"WHERE _reconciled_root IN {values}",
            params,
        )
        now = _timestamp()
        found, payloads = [], []
        for row in rows:
            named = dict(zip(columns, row, strict=True))
            root = named["_reconciled_root"]
            merged_into = roots[root]
            record = self._current_record(named, columns)
            record[MERGED_INTO] = None if merged_into is None else shown_key(merged_into, key_columns)
            record["_sdc_deleted_at"] = now
            found.append(root)
            payloads.append(_encode({"type": "RECORD", "stream": stream, "record": record}).decode())
        if not found:
            return
        self.db.lists("_reconciled_vanished", {"root": (VARCHAR, found), "payload": (VARCHAR, payloads)})
        self._enqueue(
            stream, kind, "SELECT root, CAST(NULL AS BIGINT) AS row_seq, payload FROM _reconciled_vanished"
        )

    def before_write(self, stream: str, remaps: Mapping[str, str]) -> None:
        """Before a planned batch changes anything: keep the rows of roots merged away."""
        self.vanish(stream, remaps, MERGED)
        if self.history and remaps:
            history = self.db.table(stream + HISTORY_SUFFIX)
            self._enqueue(
                stream,
                HISTORY,
                f"SELECT {NO_ROOT}, _reconciled_seq AS row_seq, {NO_PAYLOAD} "
                f"FROM {history} WHERE _reconciled_root IN (SELECT old FROM _reconciled_remaps)",
            )

    def after_write(self, stream: str, changed: str | None, new: str) -> None:
        """After a batch's rows are written: an entry per changed root and per new history row.

        ``changed`` is the relation of roots whose current row was replaced (None: none), ``new``
        the relation of the batch's stored rows (``SQLDestination`` ``NEW``).
        """
        roots = f"SELECT _reconciled_root AS root FROM {new} WHERE _reconciled_settled"
        if changed is not None:
            roots += f" UNION ALL SELECT root FROM {changed}"
        self._enqueue(
            stream,
            CURRENT,
            f"SELECT r.root, {NO_SEQ}, {NO_PAYLOAD} FROM ({roots}) r",
        )
        if self.history:
            self._enqueue(
                stream,
                HISTORY,
                f"SELECT {NO_ROOT}, _reconciled_seq AS row_seq, {NO_PAYLOAD} FROM {new}",
            )

    # -- outside the batch's transaction -----------------------------------------------------

    def register(self, stream: str, schemas: list[dict[str, Any]]) -> None:
        """Record the SCHEMA messages sent downstream for ``stream`` (its entries start at 1)."""
        forward = self.db.table("_reconciled_forward")
        text = json.dumps(schemas)
        self.keys[stream] = len(schemas[0]["key_properties"])
        with self.db.transaction():
            if self.db.fetch(f"SELECT 1 FROM {forward} WHERE stream = ?", [stream]):
                self.db.run(f"UPDATE {forward} SET schemas = ? WHERE stream = ?", [text, stream])
            else:
                self.db.run(f"INSERT INTO {forward} VALUES (?, ?, 1, 0)", [stream, text])

    def streams(self) -> list[tuple[str, list[dict[str, Any]], int, int]]:
        """Each stream forwarded before: its SCHEMA messages, last entry and last acknowledged entry."""
        rows = self.db.fetch(
            f"SELECT stream, schemas, next_seq - 1, acked FROM {self.db.table('_reconciled_forward')} "
            "ORDER BY stream"
        )
        found = [(stream, json.loads(schemas), last, acked) for stream, schemas, last, acked in rows]
        for stream, schemas, _, _ in found:
            self.keys[stream] = len(schemas[0]["key_properties"])
        return found

    def acknowledge(self, acked: Mapping[str, int]) -> None:
        """Record what the downstream acknowledged, and forget those entries."""
        forward, outbox = self.db.table("_reconciled_forward"), self.db.table("_reconciled_outbox")
        with self.db.transaction():
            for stream, seq in acked.items():
                self.db.run(
                    f"UPDATE {forward} SET acked = ? WHERE stream = ? AND acked < ?", [seq, stream, seq]
                )
                self.db.run(f"DELETE FROM {outbox} WHERE stream = ? AND seq <= ?", [stream, seq])

    def pending(self, stream: str, after: int) -> tuple[int, Iterator[bytes]]:
        """The last entry after ``after``, and the RECORD lines that send every entry up to it.

        Each root is sent once, with its current row; vanished roots with their kept row.
        """
        outbox = self.db.table("_reconciled_outbox")
        found = self.db.fetch(f"SELECT max(seq) FROM {outbox} WHERE stream = ? AND seq > ?", [stream, after])
        last = found[0][0]
        if last is None:
            return after, iter(())
        return int(last), self._lines(stream, after, int(last))

    def _lines(self, stream: str, after: int, last: int) -> Iterator[bytes]:
        outbox = self.db.table("_reconciled_outbox")
        entries = f"FROM {outbox} WHERE stream = ? AND seq > ? AND seq <= ? AND kind = ?"
        columns = self.db.existing(stream) or {}
        for rows in self.db.chunks(
            f"SELECT {', '.join(quote(name) for name in columns)} FROM {self.db.table(stream)} "
            f"WHERE _reconciled_root IN (SELECT root {entries})",
            [stream, after, last, CURRENT],
            send_chunk(len(columns)),
        ):
            lines = []
            for row in rows:
                record = self._current_record(dict(zip(columns, row, strict=True)), columns)
                lines.append(_encode({"type": "RECORD", "stream": stream, "record": record}) + b"\n")
            yield b"".join(lines)
        for kind in (MERGED, DELETED):
            for (payload,) in self.db.fetch(
                f"SELECT payload {entries} ORDER BY seq", [stream, after, last, kind]
            ):
                yield payload.encode() + b"\n"
        if self.history:
            yield from self._history_lines(stream, entries, [stream, after, last, HISTORY])

    def _history_lines(self, stream: str, entries: str, params: list[Any]) -> Iterator[bytes]:
        name = stream + HISTORY_SUFFIX
        columns = self.db.existing(name) or {}
        key_columns = self.keys[stream]
        data = [column for column in columns if not column.startswith("_reconciled_")]
        for rows in self.db.chunks(
            f"SELECT {', '.join(quote(column) for column in columns)} FROM {self.db.table(name)} "
            f"WHERE _reconciled_seq IN (SELECT row_seq {entries}) ORDER BY _reconciled_seq",
            params,
            send_chunk(len(columns)),
        ):
            lines = []
            for row in rows:
                named = dict(zip(columns, row, strict=True))
                record = {column: _plain(named[column], columns[column]) for column in data}
                for meta in HISTORY_FORWARDED_META:
                    record[meta] = named[meta]
                record["_reconciled_root"] = shown_key(named["_reconciled_root"], key_columns)
                lines.append(_encode({"type": "RECORD", "stream": name, "record": record}) + b"\n")
            yield b"".join(lines)

    @staticmethod
    def _current_record(named: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
        """A row of ``<stream>`` as sent downstream: data columns and ``FORWARDED_META``."""
        record = {
            column: _plain(value, columns[column])
            for column, value in named.items()
            if not column.startswith("_reconciled_")
        }
        for meta in FORWARDED_META:
            record[meta] = named[meta]
        record[MERGED_INTO] = None
        return record
