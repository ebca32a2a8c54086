"""Emulator of the Invoca Transactions API."""

from __future__ import annotations

import argparse

from sandbox.clock import VirtualClock
from sandbox.invoca.app import InvocaEmulator
from sandbox.invoca.options import CODE_VERSIONS, DOCUMENTED_VERSIONS, Options

__all__ = ["InvocaEmulator", "Options", "add_arguments", "from_args"]

_DEFAULTS = Options()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``python -m sandbox invoca`` options (see sandbox/INVOCA.md)."""
    d = _DEFAULTS
    add = parser.add_argument
    add("--token", default=d.token, help=f"the network user's API token (default {d.token})")
    add("--network-id", default=d.network_id, help=f"network id in the path (default {d.network_id})")
    add("--size", type=int, default=d.size, help=f"calls in the initial history (default {d.size})")
    add("--days", type=float, default=d.days, help=f"days of initial history (default {d.days:g})")
    add("--advertisers", type=int, default=d.advertisers, help=f"advertisers (default {d.advertisers})")
    add("--affiliates", type=int, default=d.affiliates, help=f"affiliates (default {d.affiliates})")
    add("--timezone", default=d.timezone, help=f"every token's time zone (default {d.timezone})")
    add(
        "--network-timezone",
        default=None,
        help="time zone of start_time_network_timezone (default --timezone)",
    )
    add(
        "--correction-rate",
        type=float,
        default=d.correction_rate,
        help=f"share of rows that are corrections (default {d.correction_rate})",
    )
    add(
        "--accept-version",
        action="append",
        default=[],
        metavar="VERSION",
        help="also accept this API version (repeatable; documented ones and 2023-10-09 always are)",
    )
    choices = {
        "over_limit": "limit above 4000",
        "unknown_cursor": "unknown start_after_transaction_id",
        "chain": "what a later correction corrects",
        "cleared_durations": "durations of superseded rows",
        "money": "money columns",
        "integers": "ids, rankings and other integer-like codes",
        "empty": "empty values",
        "path_id": "advertiser/affiliate id in the path",
    }
    for name, what in choices.items():
        default = getattr(d, name)
        add(
            "--" + name.replace("_", "-"),
            choices=Options.choices(name),
            default=default,
            help=f"{what} (default {default})",
        )
    add("--no-record-served", action="store_true", help="do not keep served rows (for benchmarks)")


def from_args(args: argparse.Namespace, clock: VirtualClock) -> InvocaEmulator:
    """Build the emulator from parsed arguments and print its accounts and tokens."""
    emulator = InvocaEmulator(
        clock=clock,
        seed=args.seed,
        size=args.size,
        days=args.days,
        network_id=args.network_id,
        token=args.token,
        advertisers=args.advertisers,
        affiliates=args.affiliates,
        timezone=args.timezone,
        network_timezone=args.network_timezone,
        correction_rate=args.correction_rate,
        versions=DOCUMENTED_VERSIONS | CODE_VERSIONS | set(args.accept_version),
        over_limit=args.over_limit,
        unknown_cursor=args.unknown_cursor,
        chain=args.chain,
        cleared_durations=args.cleared_durations,
        money=args.money,
        integers=args.integers,
        empty=args.empty,
        path_id=args.path_id,
        record_served=not args.no_record_served,
    )
    accounts = emulator.accounts()
    print(f"invoca: {len(emulator.data.rows)} transactions up to {clock.now().isoformat()}", flush=True)
    listed = [("network", accounts["network"])]
    listed += [(kind[:-1], entry) for kind in ("advertisers", "affiliates") for entry in accounts[kind]]
    for kind, entry in listed:
        print(f"  {kind:<10} {entry['id']:<8} token {entry['token']}  ({entry['name']})", flush=True)
    return emulator
