"""``python -m sandbox invoca|ve --port N [--seed S] [--faults RULE ...]``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sandbox import invoca, ve
from sandbox.clock import VirtualClock, default_now
from sandbox.faults import FaultSpecError
from sandbox.server import Emulator, serve_forever

APIS = {"invoca": invoca, "ve": ve}


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def build(argv: list[str] | None = None) -> tuple[Emulator, argparse.Namespace]:
    """The emulator the command line describes (not serving yet), and the parsed arguments."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="api", required=True)
    for name, module in APIS.items():
        sub = commands.add_parser(name, help=module.__doc__)
        sub.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        sub.add_argument("--port", type=int, required=True, help="port to listen on")
        sub.add_argument("--seed", type=int, default=1, help="data set seed (default 1)")
        sub.add_argument(
            "--now",
            type=_instant,
            default=None,
            help="emulated current time, ISO 8601 (default: a day before startup, on the hour)",
        )
        sub.add_argument(
            "--faults",
            action="append",
            default=[],
            metavar="RULE",
            help="inject failures, e.g. 429:every=5,retry_after=2 or reset:rate=0.1 (repeatable)",
        )
        module.add_arguments(sub)
    args = parser.parse_args(argv)
    module = APIS[args.api]
    clock = VirtualClock(args.now or default_now())
    try:
        emulator = module.from_args(args, clock)
        emulator.set_faults(args.faults, seed=args.seed)
    except (FaultSpecError, ValueError) as exc:
        parser.error(str(exc))
    return emulator, args


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve one emulator until interrupted."""
    emulator, args = build(argv)
    serve_forever(emulator, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
