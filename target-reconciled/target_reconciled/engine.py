"""The reconciliation engine: pure functions from a batch and a store's bookkeeping to a ``Plan``.

Semantics (design §5), as implemented here:

- Links exist only for streams with a ``corrects`` column (elsewhere every key is its own root).
  Every key seen there gets a link; a corrects target never received gets a placeholder link
  (no parent, its own root) until it arrives.
- A key's parent is the first corrects value seen for it (in arrival order) that was accepted;
  later different values are ignored. A link whose target is already in the key's own group
  (itself, or a key that corrects it directly or transitively) would close a cycle: it is ignored
  and the key keeps no parent, so a later non-cyclic corrects value of the same key may still link.
- Accepting ``k -> p`` moves k's group (k is its root) under p's root: ``remaps[k] = final root``.
  Remaps are emitted only for roots something is stored under, always to final roots. A
  destination must also drop the current row of every remapped-away root.
- Replays (same key and digest as a stored row or an earlier row of the batch) are not stored.
- A row whose key is new to the stream, appears once in the batch, and neither corrects a key nor
  is corrected in the batch is planned as its own root, with one version that wins. A
  destination may settle such rows without the engine (``Destination.load``).
- Winners: ``corrections`` mode picks, among versions of leaf keys (keys no key of the group has
  as its parent), the greatest (order, sequence); other modes the greatest over all versions.
  Null order values sort lowest.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from target_reconciled.keys import key_text
from target_reconciled.model import Incoming, Link, Plan, Store, Winner
from target_reconciled.order import decode_order, encode_order
from target_reconciled.rules import StreamRules

_canonical = msgspec.json.Encoder(order="sorted").encode
_blake2b = hashlib.blake2b

Version = tuple[str, str, int]
"""(key, encoded order, sequence) of a stored or new version."""


def incoming(rules: StreamRules, record: Mapping[str, Any], seq: int) -> Incoming:
    """What the engine needs of one record, arriving with sequence ``seq``: key, corrects, order, digest.

    The digest covers the record's content in canonical form, without ``_sdc_*`` columns, so a
    replay extracted again is still recognised. A missing key value raises ``BadKey``.
    """
    key = key_text([record.get(column) for column in rules.key], rules.key)
    corrects = None
    if rules.corrects is not None:
        target = record.get(rules.corrects)
        if target is not None and target != "":
            corrects = key_text((target,), (rules.corrects,))
    columns = rules.order_columns
    order = encode_order([record.get(column) for column in columns], rules.kinds, columns)
    content = record
    dropped = _sdc_columns(tuple(record))
    if dropped:
        content = dict(record)
        for name in dropped:
            del content[name]
    digest = _blake2b(_canonical(content), digest_size=16).hexdigest()
    return Incoming(key, corrects, order, digest, seq)


@functools.lru_cache(maxsize=256)
def _sdc_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The ``_sdc_*`` columns among a record's columns (records of a stream share few column lists)."""
    return tuple(name for name in columns if name.startswith("_sdc_"))


def _find(remap: dict[str, str], root: str) -> str:
    """The final root of ``root`` through this batch's merges (compressing the path)."""
    path = []
    while root in remap:
        path.append(root)
        root = remap[root]
    for step in path:
        remap[step] = root
    return root


def _link(
    batch: Sequence[Incoming], store: Store, plan: Plan
) -> tuple[list[str], dict[str, Link], dict[str, str]]:
    """Resolve the batch's links into ``plan``: each row's final root, the links known, the merges.

    ``plan.remaps`` gets the merged roots that have a stored link; the merges (old root -> final
    root) include roots first seen in this batch, which nothing stored can be under.
    """
    wanted = {item.key for item in batch} | {item.corrects for item in batch if item.corrects is not None}
    stored = store.links(wanted)
    links = dict(stored)
    remap: dict[str, str] = {}
    touched: dict[str, None] = {}  # a dict keeps plans deterministic
    for item in batch:
        key, target = item.key, item.corrects
        link = links.get(key)
        if link is None:
            link = links[key] = Link(None, key)
            touched[key] = None
        if target is None or link.parent is not None:
            continue
        if target not in links:
            links[target] = Link(None, target)
            touched[target] = None
        own_root = _find(remap, link.root)
        new_root = _find(remap, links[target].root)
        if new_root == own_root:
            continue
        links[key] = Link(target, new_root)
        remap[own_root] = new_root
        touched[key] = None
    for key in touched:
        link = links[key]
        links[key] = plan.links[key] = Link(link.parent, _find(remap, link.root))
    roots = [_find(remap, links[item.key].root) for item in batch]
    merges = {old: _find(remap, old) for old in remap}
    plan.remaps = {old: new for old, new in merges.items() if old in stored}
    return roots, links, merges


def _leaves(versions: list[Version], links: Mapping[str, Link]) -> list[Version]:
    """Versions of keys that no key of the group has as its parent."""
    parents = {links[key].parent for key, _, _ in versions if key in links}
    return [version for version in versions if version[0] not in parents]


def plan(rules: StreamRules, batch: Sequence[Incoming], store: Store) -> Plan:
    """Decide what one batch changes: history rows, links, root merges and current winners."""
    result = Plan()
    links: dict[str, Link] = {}
    merges: dict[str, str] = {}
    if rules.corrects is None:
        roots = [item.key for item in batch]
    else:
        roots, links, merges = _link(batch, store, result)

    groups: dict[str, list[Version]] = {}
    seen: set[tuple[str, str]] = set()
    stored: set[str] = set()
    for version in store.versions(dict.fromkeys([*roots, *merges])):
        final = merges.get(version.root, version.root)
        groups.setdefault(final, []).append((version.key, version.order, version.seq))
        stored.add(final)
        seen.add((version.key, version.digest))
        if final != version.root:
            result.remaps[version.root] = final

    changed = dict.fromkeys(merges.values())
    for index, (item, root) in enumerate(zip(batch, roots, strict=True)):
        if (item.key, item.digest) in seen:
            result.dropped.append(item.seq)
            continue
        seen.add((item.key, item.digest))
        result.rows.append((index, item.seq, root))
        groups.setdefault(root, []).append((item.key, item.order, item.seq))
        changed[root] = None

    if rules.mode == "corrections":
        missing = {key for root in changed for key, _, _ in groups[root] if key not in links}
        if missing:
            links.update(store.links(missing))
    decoded: dict[str, tuple[Any, ...]] = {}

    def rank(version: Version) -> tuple[tuple[Any, ...], int]:
        order = version[1]
        if order not in decoded:
            decoded[order] = decode_order(order)
        return decoded[order], version[2]

    for root in changed:
        versions = groups[root]
        if len(versions) == 1:
            # The common case, a new root: its one version wins (no key is its own parent).
            result.current[root] = Winner(versions[0][2], 1)
            continue
        candidates = _leaves(versions, links) if rules.mode == "corrections" else versions
        result.current[root] = Winner(max(candidates, key=rank)[2], len(versions))
    result.new_roots = sum(1 for root in result.current if root not in stored)
    return result
