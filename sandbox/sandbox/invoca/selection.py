"""``include_columns`` / ``exclude_columns``: which keys a row has, and rendering rows.

A ``Selection`` compiles the column lists once into a row template: the keys in
the requested order, with a slot for each value. Runs of consecutive columns
from a shared group (``model.GROUPS[2:]``) fill one slot with text rendered once
per value tuple; every row then needs one ``itemgetter`` over its own values, so
a 4000-row page costs little more than joining text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

from sandbox.invoca.columns import (
    CUSTOM_COLUMNS,
    CUSTOM_DATA,
    CUSTOM_SOURCE_COLUMNS,
    DEFAULT_COLUMNS,
    SOURCE_SUFFIX,
    View,
)
from sandbox.invoca.model import CALL_HEAD, GROUPS, TX_GROUP, CustomField, Row
from sandbox.invoca.wire import NULL, Wire

_WHERE = {name: (g, i) for g, group in enumerate(GROUPS) for i, name in enumerate(group)}
_SHARED: dict[int, Callable[[Row], tuple[str, ...]]] = {
    2: lambda row: row.campaign.block,
    3: lambda row: row.call.referrers,
    4: lambda row: row.call.demographics,
}
"""How to reach each shared group of ``GROUPS`` from a row."""
Served = tuple[Row, tuple[str, ...]]
"""A row and the ``tx`` values it had when it was served."""
Picker = Callable[[tuple[str, ...]], tuple[str, ...]]


@dataclass(frozen=True)
class Run:
    """Consecutive selected columns of one shared group."""

    get: Callable[[Row], tuple[str, ...]]
    keys: tuple[str, ...]
    pick: Picker

    def text(self, row: Row) -> str:
        """The run's ``"key":value`` text for this row."""
        return "".join(chain.from_iterable(zip(self.keys, self.pick(self.get(row)), strict=True)))


@dataclass(frozen=True)
class Selection:
    """The keys of every served row, in order, and how to render them."""

    names: tuple[str, ...]
    keys: tuple[str, ...]
    """The ``,"key":`` text before each slot ("" before a run, whose text has its keys)."""
    pick: Picker
    """Slot values from ``tx + call head + run texts + custom values``."""
    runs: tuple[Run, ...]
    custom: tuple[tuple[str, str], ...]
    """Custom slots: (``data`` | ``flat`` | ``source``, field name)."""
    _run_texts: dict[tuple[int, int, int], tuple[str, ...]] = field(default_factory=dict, compare=False)
    """Run texts by the ``id`` of a row's three shared tuples (they live as long as the data set)."""

    def render_page(self, served: Iterable[Served], wire: Wire) -> str:
        """The JSON array of the rows."""
        parts: list[str] = ["["]
        append, extend = parts.append, parts.extend
        template = [text for key in self.keys for text in (key, "")]
        span = len(template)
        pick, runs, custom, run_texts = self.pick, self.runs, self.custom, self._run_texts
        opening = "{"
        for row, tx in served:
            append(opening)
            opening = ",{"
            call = row.call
            values = tx + call.head
            if runs:
                shared = (id(row.campaign.block), id(call.referrers), id(call.demographics))
                texts = run_texts.get(shared)
                if texts is None:
                    texts = run_texts[shared] = tuple([run.text(row) for run in runs])
                values += texts
            if custom:
                values += tuple([_custom_value(row, kind, name, wire) for kind, name in custom])
            start = len(parts)
            extend(template)  # keys in place, then the values into every other slot
            parts[start + 1 : start + span : 2] = pick(values)
            append("}")
        append("]")
        return "".join(parts)

    def render(self, row: Row, tx: tuple[str, ...], wire: Wire) -> str:
        """One row's JSON object."""
        return self.render_page([(row, tx)], wire)[1:-1]

    def values(self, row: Row, tx: tuple[str, ...], wire: Wire) -> list[Any]:
        """One row's decoded values in ``names`` order (for CSV)."""
        return list(json.loads(self.render(row, tx, wire)).values())


def _custom_value(row: Row, kind: str, name: str, wire: Wire) -> str:
    if kind == "data":
        return row.custom_data
    entry = row.custom.get(name)
    if entry is None:
        return NULL
    if kind == "source":
        return wire.text(entry[1])
    if entry[0] == "Signal":
        return "1" if entry[2] is True else NULL  # flat Signals are 1 or null (§9.5)
    return wire.text(str(entry[2]))


def select(
    view: View,
    fields: Sequence[CustomField],
    include: Sequence[str] | None,
    exclude: Sequence[str],
    custom_data: bool,
) -> Selection:
    """Compile the column lists for one view (§3, §3.1, §9.5).

    - absent ``include`` means the view's default columns (no custom data);
    - the constants expand in place; unknown names and columns the view lacks are ignored;
    - ``exclude`` removes names, except that a name listed explicitly in ``include`` survives
      an exclusion that only comes from a constant: that is what makes the docs' example
      ``include_columns=transaction_id,$invoca_custom_columns&exclude_columns=$invoca_default_columns``
      return ids with custom columns (INFERRED, §3.2);
    - a Marketing Data field named like a standard column wins over it (§9.5);
    - ``custom_data`` only when ``custom_data`` is true (JSON, version 2019-02-01 and later).
    """
    field_names = {f.name for f in fields} if view.custom else set()
    wanted = _expand(include, view, fields) if include is not None else [(c, False) for c in view.default]
    excluded = _expand(exclude, view, fields)
    dropped = {name for name, _ in excluded}
    dropped_by_name = {name for name, explicit in excluded if explicit}
    names: dict[str, None] = {}
    for name, explicit in wanted:
        keep = name not in dropped or (explicit and name not in dropped_by_name)
        if keep and _servable(name, view, field_names, custom_data):
            names.setdefault(name)
    ordered = _sources_after_fields(list(names))
    return _compile(ordered, field_names)


def _compile(names: list[str], field_names: set[str]) -> Selection:
    """Slots in ``names`` order: own columns, runs of shared columns, custom columns."""
    keys: list[str] = []
    slots: list[int | str] = []  # an index into tx + call head, or "run" / "custom"
    runs: list[tuple[int, list[str], list[int]]] = []  # group, key texts, indexes in the group
    custom: list[tuple[str, str]] = []
    previous = -1
    for number, name in enumerate(names):
        key = ("," if number else "") + json.dumps(name) + ":"
        group, index = (-1, -1) if name in field_names else _WHERE.get(name, (-1, -1))
        if group in _SHARED:
            if group != previous:
                runs.append((group, [], []))
                keys.append("")
                slots.append("run")
            runs[-1][1].append(key)
            runs[-1][2].append(index)
        elif group >= 0:
            keys.append(key)
            slots.append(index if group == 0 else len(TX_GROUP) + index)
        else:
            custom.append(_custom_kind(name, field_names))
            keys.append(key)
            slots.append("custom")
        previous = group
    next_slot = {"run": len(TX_GROUP) + len(CALL_HEAD)}
    next_slot["custom"] = next_slot["run"] + len(runs)
    positions = []
    for slot in slots:
        if isinstance(slot, str):
            positions.append(next_slot[slot])
            next_slot[slot] += 1
        else:
            positions.append(slot)
    shared = tuple(Run(_SHARED[group], tuple(texts), _picker(indexes)) for group, texts, indexes in runs)
    return Selection(tuple(names), tuple(keys), _picker(positions), shared, tuple(custom))


def _custom_kind(name: str, field_names: set[str]) -> tuple[str, str]:
    if name == CUSTOM_DATA:
        return "data", name
    if name in field_names:
        return "flat", name
    return "source", name.removesuffix(SOURCE_SUFFIX)


def _expand(items: Sequence[str], view: View, fields: Sequence[CustomField]) -> list[tuple[str, bool]]:
    """(name, listed explicitly) for each item, constants expanded."""
    out: list[tuple[str, bool]] = []
    for item in items:
        if item == DEFAULT_COLUMNS:
            out += [(c, False) for c in view.default]
        elif item == CUSTOM_COLUMNS:
            out += [(f.name, False) for f in fields] if view.custom else []
        elif item == CUSTOM_SOURCE_COLUMNS:
            out += [(f.name + SOURCE_SUFFIX, False) for f in fields] if view.custom else []
        else:
            out.append((item, True))
    return out


def _servable(name: str, view: View, field_names: set[str], custom_data: bool) -> bool:
    if name in field_names:
        return True
    if name == CUSTOM_DATA:
        return custom_data and view.custom
    if name.endswith(SOURCE_SUFFIX) and name.removesuffix(SOURCE_SUFFIX) in field_names:
        return True
    return name in view.columns


def _sources_after_fields(names: list[str]) -> list[str]:
    """Put each ``<field>.source`` right after its field when both are selected (§9.5 example)."""
    present = set(names)
    out: list[str] = []
    for name in names:
        if name.endswith(SOURCE_SUFFIX) and name.removesuffix(SOURCE_SUFFIX) in present:
            continue
        out.append(name)
        if name + SOURCE_SUFFIX in present:
            out.append(name + SOURCE_SUFFIX)
    return out


def _picker(positions: list[int]) -> Picker:
    if len(positions) > 1:
        return itemgetter(*positions)
    if positions:
        only = positions[0]
        return lambda values: (values[only],)
    return lambda values: ()
