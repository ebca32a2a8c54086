"""The tables every destination writes, with column types in ``coltypes`` terms.

Per stream: the current table ``<stream>`` (data columns plus ``CURRENT_META``), the history
``<stream>__history`` (data columns plus ``HISTORY_META``) and, shared by the streams of a
schema, the ``INTERNAL`` bookkeeping tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from target_reconciled.coltypes import BIGINT, BOOLEAN, TIMESTAMPTZ, VARCHAR

PREFIX = "_reconciled_"
HISTORY_SUFFIX = "__history"
CURRENT_META = {
    "_reconciled_source_key": VARCHAR,
    "_reconciled_versions": BIGINT,
    "_reconciled_at": TIMESTAMPTZ,
    "_reconciled_root": VARCHAR,
    "_reconciled_digest": VARCHAR,
}
BOOKKEEPING = {
    "_reconciled_root": VARCHAR,
    "_reconciled_seq": BIGINT,
    "_reconciled_key": VARCHAR,
    "_reconciled_corrects": VARCHAR,
    "_reconciled_order": VARCHAR,
    "_reconciled_digest": VARCHAR,
}
HISTORY_META = {**BOOKKEEPING, "_reconciled_at": TIMESTAMPTZ}
INTERNAL: dict[str, dict[str, str]] = {
    "_reconciled_streams": {"stream": VARCHAR, "next_seq": BIGINT, "history": BOOLEAN, "rules": VARCHAR},
    "_reconciled_links": {"stream": VARCHAR, "key": VARCHAR, "parent": VARCHAR, "root": VARCHAR},
    "_reconciled_seen": {"stream": VARCHAR, "key": VARCHAR, "table_version": BIGINT},
    "_reconciled_versions": {"stream": VARCHAR, **BOOKKEEPING},
    "_reconciled_forward": {"stream": VARCHAR, "schemas": VARCHAR, "next_seq": BIGINT, "acked": BIGINT},
    "_reconciled_outbox": {
        "stream": VARCHAR,
        "seq": BIGINT,
        "kind": VARCHAR,
        "root": VARCHAR,
        "row_seq": BIGINT,
        "payload": VARCHAR,
    },
}


class TableError(RuntimeError):
    """A stream's tables cannot be used as configured."""


def data_columns(stream: str, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema's properties, refusing names that would collide with the target's own columns."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    reserved = sorted(name for name in properties if name.startswith(PREFIX))
    if reserved:
        raise TableError(f"stream {stream!r}: columns {reserved} use the reserved prefix {PREFIX}")
    return properties


def check_history_mode(stream: str, stored: bool | None, history: bool, schema: str) -> None:
    """Refuse switching a stream's ``history`` setting within a schema (``stored`` None: new stream)."""
    if stored is not None and stored != history:
        raise TableError(
            f"stream {stream!r} was loaded with history={stored}; it cannot switch to "
            f"history={history} in schema {schema!r} (use a new schema)"
        )
