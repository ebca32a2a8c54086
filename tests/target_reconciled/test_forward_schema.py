"""What ``destination: singer`` tells the downstream: SCHEMA messages, key shapes, command names."""

from __future__ import annotations

from target_reconciled.destinations.outbox import MERGED_INTO, forwarded_schemas, shown_key
from target_reconciled.downstream import display_name
from tests.target_reconciled.harness import INVOCA_SCHEMA


def test_the_forwarded_schema_keys_on_the_root_and_adds_the_metadata_columns() -> None:
    (current,) = forwarded_schemas("transactions", INVOCA_SCHEMA, ["transaction_id"], history=False)
    assert current["type"] == "SCHEMA"
    assert current["stream"] == "transactions"
    assert current["key_properties"] == ["transaction_id"]
    properties = current["schema"]["properties"]
    assert properties["transaction_id"] == {"type": "string"}  # the key stays required
    assert properties["start_time_utc"] == {"type": ["integer", "null"]}
    for name in ("_reconciled_source_key", "_reconciled_versions", "_reconciled_at", MERGED_INTO):
        assert "null" in properties[name]["type"]
    assert "_reconciled_root" not in properties  # internal


def test_every_non_key_property_is_nullable_downstream() -> None:
    schema = {
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "any": {},
        }
    }
    (current,) = forwarded_schemas("s", schema, ["id"], history=False)
    properties = current["schema"]["properties"]
    assert properties["id"] == {"type": "integer"}
    assert properties["name"] == {"type": ["string", "null"]}
    assert properties["either"]["anyOf"][-1] == {"type": "null"}
    assert properties["any"] == {}
    assert schema["properties"]["name"] == {"type": "string"}  # the input is left alone


def test_history_is_keyed_by_source_key_and_digest() -> None:
    _, history = forwarded_schemas("transactions", INVOCA_SCHEMA, ["transaction_id"], history=True)
    assert history["stream"] == "transactions__history"
    assert history["key_properties"] == ["transaction_id", "_reconciled_digest"]
    assert {"_reconciled_root", "_reconciled_seq", "_reconciled_at"} <= set(history["schema"]["properties"])


def test_root_keys_are_shown_as_values_for_one_column_and_as_text_for_more() -> None:
    assert shown_key('["A1"]', 1) == "A1"
    assert shown_key("[7]", 1) == 7
    assert shown_key('["a",1]', 2) == '["a",1]'


def test_the_downstream_is_named_by_its_executable_or_the_plugin_meltano_invokes() -> None:
    assert display_name(["/x/venv/bin/target-postgres", "--flag"]) == "target-postgres"
    assert display_name(["meltano", "invoke", "target-snowflake"]) == "target-snowflake"
    assert display_name(["/usr/bin/meltano", "--log-level=debug", "invoke", "--", "target-x"]) == "target-x"
