"""Command-line options of ``python -m sandbox ve`` (each maps to a ``VeConfig`` field)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from sandbox.clock import VirtualClock
from sandbox.ve.app import VeEmulator
from sandbox.ve.config import DATE_FIELDS, Account, VeConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Ve options; unset ones keep the ``VeConfig`` defaults (see sandbox/VE.md)."""
    add = parser.add_argument
    add(
        "--key",
        dest="keys",
        action="append",
        metavar="KEY",
        help="sandbox subscription key (repeatable; default sandbox-ve-key)",
    )
    add(
        "--production-key",
        dest="production_keys",
        action="append",
        metavar="KEY",
        help="production key (repeatable; default production-ve-key)",
    )
    add("--production-base", help="production base path (default /InvoicingApi)")
    add(
        "--account",
        dest="own_account",
        type=Account.parse,
        metavar="DOMAIN:CC[,CC]",
        help="the key's own account (default myshop.example:GB)",
    )
    add(
        "--merchant",
        dest="merchants",
        type=Account.parse,
        action="append",
        metavar="DOMAIN:CC[,CC]",
        help="an agency merchant (repeatable; replaces the three defaults)",
    )
    add("--denied-body", choices=("aspnet", "empty"), help="body of the backend 401 (default aspnet)")
    add("--size", type=int, help="transactions in the initial history (default 500)")
    add("--days", type=int, help="days of initial history (default 90)")
    add(
        "--commission-types",
        type=lambda text: tuple(t.strip() for t in text.split(",") if t.strip()),
        metavar="A,B",
        help="commissionType values (default Percentage,Fixed)",
    )
    add("--max-request-bytes", type=int, help="request size limit in bytes, 0 = off (default 512)")
    add("--size-status", type=int, help="status of an oversized request (default 400)")
    add("--rate-limit", type=int, help="sandbox requests per key per window, 0 = unlimited (default 10)")
    add(
        "--production-rate-limit",
        type=int,
        help="production requests per key per window (default 0 = unlimited)",
    )
    add("--rate-window", type=float, help="sliding window in seconds (default 60)")
    add(
        "--count-rejected",
        action="store_true",
        default=None,
        help="refused (429) requests count in the window too",
    )
    add("--date-field", choices=DATE_FIELDS, help="field filtered by dateFrom/dateTo (default creationDate)")
    add(
        "--date-bounds",
        choices=("inclusive", "half_open"),
        help="dateTo inclusive or exclusive (default inclusive)",
    )
    add("--server-tz", help="backend time zone for naive dates (default UTC)")
    add("--max-results", type=int, help="answer 500 when a query matches more rows (default: no cap)")
    add(
        "--type-format",
        choices=("name", "name_description"),
        help="transactionType wire value (default name)",
    )
    add("--status-format", choices=("name", "name_stage"), help="transactionStatus wire value (default name)")
    add(
        "--date-style",
        choices=("sample", "unspecified"),
        help="date serialization (default sample: ...07.216Z)",
    )
    add("--missing-strings", choices=("null", "empty"), help='absent strings as null or "" (default null)')
    add(
        "--uninvoiced-subinvoice",
        choices=("zero", "null"),
        help="subInvoiceId before invoicing (default zero)",
    )
    add("--currency-format", choices=("alpha3", "alpha2"), help="currency codes (default alpha3, e.g. GBP)")


OPTIONS = tuple(field.name for field in dataclasses.fields(VeConfig))


def from_args(args: argparse.Namespace, clock: VirtualClock) -> VeEmulator:
    """Build the emulator from parsed arguments (``--seed`` seeds the data set)."""
    options: dict[str, Any] = {
        name: getattr(args, name) for name in OPTIONS if getattr(args, name, None) is not None
    }
    for name in ("keys", "production_keys", "merchants"):
        if name in options:
            options[name] = tuple(options[name])
    return VeEmulator(clock=clock, seed=args.seed, **options)
