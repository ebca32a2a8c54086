"""Each plugin's ``--about --format=json`` works without config and carries the contract settings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Setting names fixed by shared/design.md (sections 3, 4 and 5).
CONTRACT = {
    "tap-invoca": {
        "required": {"auth_token", "account_id"},
        "secret": {"auth_token"},
        "defaults": {
            "account_type": "network",
            "api_url": "https://invoca.net",
            "api_version": "2020-10-01",
            "page_size": 4000,
            "include_columns": ["$invoca_default_columns", "custom_data"],
        },
        "others": {
            "start_after_transaction_id",
            "from_date",
            "to_date",
            "transaction_types",
            "exclude_columns",
        },
    },
    "tap-veinvoicing": {
        "required": {"subscription_key", "start_date"},
        "secret": {"subscription_key"},
        "defaults": {
            "api_url": "https://api.veinteractive.com",
            "environment": "sandbox",
            "requests_per_minute": 10,
            "window_days": 7,
        },
        "others": {
            "end_date",
            "domains",
            "countries",
            "transaction_types",
            "transaction_statuses",
            "lookback_days",
        },
    },
    "target-reconciled": {
        "required": set(),
        "secret": {"postgres_url", "forward_config"},  # forward_config holds the downstream's credentials
        "defaults": {
            "destination": "duckdb",
            "duckdb_path": "output/reconciled.duckdb",
            "history": True,
            "forward_store": "duckdb",
            "forward_history": False,
        },
        "others": {"default_target_schema", "forward_command", "streams"},
    },
}


def about(plugin: str) -> dict:
    executable = shutil.which(plugin, path=str(Path(sys.executable).parent))
    assert executable, f"{plugin} is not installed in {sys.prefix}"
    result = subprocess.run(
        [executable, "--about", "--format=json"], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("plugin", sorted(CONTRACT))
def test_about_lists_the_contract_settings(plugin: str) -> None:
    info = about(plugin)
    contract = CONTRACT[plugin]
    settings = info["settings"]
    properties = settings["properties"]

    assert info["name"] == plugin
    assert set(settings.get("required", [])) == contract["required"]
    expected = contract["required"] | contract["secret"] | set(contract["defaults"]) | contract["others"]
    assert expected <= set(properties)
    for name, default in contract["defaults"].items():
        assert properties[name].get("default") == default, name
    secrets = {name for name, spec in properties.items() if spec.get("secret") or spec.get("writeOnly")}
    assert secrets == contract["secret"]
