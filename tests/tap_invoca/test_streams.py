"""``TransactionsStream``'s RECORD messages against the SDK's own (the SDK is pinned ~=0.54.9)."""

from __future__ import annotations

from typing import Any

import pytest
from singer_sdk import RESTStream

from tap_invoca.streams import TransactionsStream
from tap_invoca.tap import TapInvoca

CONFIG = {"api_url": "http://127.0.0.1:9", "auth_token": "unused-token", "account_id": "33"}
ROW = {"transaction_id": "A-1", "city": "Bend", "duration": 12, "custom_data": [{"name": "x", "value": "1"}]}


def _stream(deselected: tuple[str, ...] = ()) -> TransactionsStream:
    tap = TapInvoca(config=CONFIG, parse_env_config=False)
    catalog = tap.catalog_dict
    for item in catalog["streams"][0]["metadata"]:
        breadcrumb = tuple(item["breadcrumb"])
        if not breadcrumb:
            item["metadata"]["selected"] = True
        elif breadcrumb[-1] in deselected:
            item["metadata"]["selected"] = False
    stream = TapInvoca(config=CONFIG, catalog=catalog, parse_env_config=False).streams["transactions"]
    assert isinstance(stream, TransactionsStream)
    return stream


def _messages(stream: RESTStream, record: dict[str, Any], *, sdk: bool) -> list[dict[str, Any]]:
    generate = RESTStream._generate_record_messages if sdk else TransactionsStream._generate_record_messages
    messages = [message.to_dict() for message in generate(stream, dict(record))]
    for message in messages:
        assert message.pop("time_extracted")
    return messages


@pytest.mark.parametrize("deselected", [(), ("city",), ("city", "custom_data")])
def test_record_messages_are_the_sdks(deselected: tuple[str, ...]) -> None:
    stream = _stream(deselected)
    assert stream._nothing_deselected() == (not deselected)
    ours = _messages(stream, ROW, sdk=False)
    assert ours == _messages(stream, ROW, sdk=True)
    assert ours == [
        {
            "type": "RECORD",
            "stream": "transactions",
            "record": {key: value for key, value in ROW.items() if key not in deselected},
        }
    ]


def test_unknown_columns_follow_the_stream_selection() -> None:
    """A column outside the schema (an account's own) is kept, as the SDK keeps it."""
    stream = _stream()
    row = {**ROW, "marketing_channel_custom": "Search"}
    assert _messages(stream, row, sdk=False) == _messages(stream, row, sdk=True)
    assert _messages(stream, row, sdk=False)[0]["record"] == row


def test_no_child_contexts_without_child_streams() -> None:
    """Nothing for child streams that do not exist (the SDK's default would copy each record)."""
    stream = _stream()
    assert stream.child_streams == []
    assert list(stream.generate_child_contexts(dict(ROW), None)) == []
    stream.child_streams = [_stream()]
    assert list(stream.generate_child_contexts(dict(ROW), {"account": "33"})) == [{"account": "33"}]
