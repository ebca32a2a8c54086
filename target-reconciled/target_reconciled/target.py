"""The target-reconciled plugin: settings."""

from __future__ import annotations

from singer_sdk import Target
from singer_sdk import typing as th

DESTINATIONS = ["duckdb", "postgres", "singer"]

STREAM_OVERRIDE = th.ObjectType(
    th.Property("key", th.ArrayType(th.StringType), description="Key columns of the stream."),
    th.Property("corrects", th.StringType, description="Column naming the key of the row replaced."),
    th.Property("version", th.StringType, description="Column whose greatest value wins."),
)


class TargetReconciled(Target):
    """Merges corrections and newer versions into one current row per original record."""

    name = "target-reconciled"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "destination",
            th.StringType,
            default="duckdb",
            allowed_values=DESTINATIONS,
            title="Destination",
            description="Where reconciled tables go: duckdb (embedded), postgres, or singer "
            "(another target).",
        ),
        th.Property(
            "duckdb_path",
            th.StringType,
            default="output/reconciled.duckdb",
            title="DuckDB path",
            description="Database file for destination duckdb.",
        ),
        th.Property(
            "postgres_url",
            th.StringType,
            secret=True,
            title="PostgreSQL URL",
            description="Connection URL for destination postgres, e.g. postgresql://user@host/db.",
        ),
        th.Property(
            "default_target_schema",
            th.StringType,
            title="Target schema",
            description="Schema for the tables (Meltano sets it to the tap's load schema).",
        ),
        th.Property(
            "forward_command",
            th.ArrayType(th.StringType),
            title="Forward command",
            description="Destination singer: the downstream target's command line.",
        ),
        th.Property(
            "forward_config",
            th.ObjectType(additional_properties=True),
            title="Forward config",
            description="Destination singer: the downstream target's config.",
        ),
        th.Property(
            "history",
            th.BooleanType,
            default=True,
            title="Keep history",
            description="Also write <stream>__history with every distinct row received.",
        ),
        th.Property(
            "streams",
            th.ObjectType(additional_properties=STREAM_OVERRIDE),
            title="Per-stream rules",
            description="Overrides by stream name: key, corrects, version.",
        ),
    ).to_dict()
