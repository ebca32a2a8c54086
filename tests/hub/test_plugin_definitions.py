"""Each plugin's Hub definition (meltano-hub.yml, hub/): current, valid for Hub, true to the plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
HUB_SCHEMAS = Path("/work/shared/hub-schemas")
PLUGINS = {"tap-invoca": "extractors", "tap-veinvoicing": "extractors", "target-reconciled": "loaders"}


def _retrieve(uri: str) -> Resource:
    return Resource.from_contents(json.loads(Path(uri.removeprefix("file://")).read_text()))


def hub_validator(kind: str) -> Draft7Validator:
    """Validator of Meltano Hub's own schema for a plugin kind, read where it is kept."""
    path = HUB_SCHEMAS / "plugin_definitions" / f"{kind}.schema.json"
    schema = json.loads(path.read_text())
    schema["$id"] = path.as_uri()
    return Draft7Validator(schema, registry=Registry(retrieve=_retrieve))


def about(name: str) -> dict[str, Any]:
    executable = Path(sys.executable).parent / name
    result = subprocess.run([str(executable), "--about", "--format=json"], capture_output=True, check=True)
    return json.loads(result.stdout)


def definition(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / name / "meltano-hub.yml").read_text())


def test_definitions_are_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plugin_definitions.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "kind"), PLUGINS.items())
def test_valid_against_hub_schema(name: str, kind: str):
    errors = [e.message for e in hub_validator(kind).iter_errors(definition(name))]
    assert errors == []


@pytest.mark.parametrize("kind", ["extractors", "loaders"])
def test_hub_schema_rejects_a_bad_definition(kind: str):
    bad = {"name": "x", "namespace": "x", "variant": "x", "settings": [{"name": "a", "kind": "secret"}]}
    messages = " ".join(e.message for e in hub_validator(kind).iter_errors(bad))
    assert "'quality' is a required property" in messages
    assert "'secret' is not one of" in messages


@pytest.mark.parametrize("name", PLUGINS)
def test_true_to_the_plugin(name: str):
    hub, info = definition(name), about(name)
    properties = info["settings"]["properties"]
    settings = {s["name"]: s for s in hub["settings"]}
    assert list(settings) == list(properties)
    for key, schema in properties.items():
        assert settings[key].get("sensitive", False) == bool(schema.get("secret")), key
        meltano_fills = key == "default_target_schema"  # Meltano's load schema of each tap
        expected = "$MELTANO_EXTRACT__LOAD_SCHEMA" if meltano_fills else schema.get("default")
        assert settings[key].get("value") == expected, key
        assert settings[key]["description"] == schema["description"], key
    assert set(hub["capabilities"]) <= set(info["capabilities"])
    required = set(info["settings"].get("required", []))
    if required:
        assert [set(group) for group in hub["settings_group_validation"]] == [required]


def test_meltano_yml_settings_are_valid_hub_settings():
    """Every plugin of meltano.yml, ours and third-party, declares its settings as Hub would."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    path = HUB_SCHEMAS / "common" / "base_setting.schema.json"
    schema = json.loads(path.read_text())
    validator = Draft7Validator(schema)
    plugins = [p for kind in ("extractors", "loaders", "utilities") for p in project["plugins"][kind]]
    assert {p["name"] for p in plugins} >= set(PLUGINS)
    for plugin in plugins:
        if "inherit_from" in plugin:  # settings and pip_url come from the plugin it inherits from
            assert plugin["inherit_from"] in {p["name"] for p in plugins}, plugin["name"]
            continue
        assert plugin["pip_url"], plugin["name"]
        for setting in plugin["settings"]:
            assert [e.message for e in validator.iter_errors(setting)] == [], (plugin["name"], setting)
            assert {"label", "kind", "description"} <= set(setting), (plugin["name"], setting["name"])


@pytest.mark.parametrize(("name", "kind"), PLUGINS.items())
def test_in_meltano_hubs_repository_layout(name: str, kind: str):
    """hub/ holds the definition and logo where Meltano Hub's repository keeps them."""
    hub = ROOT / "hub" / "_data" / "meltano" / kind / name / "reconciled-data.yml"
    entry = yaml.safe_load(hub.read_text())
    assert entry == definition(name)
    assert [e.message for e in hub_validator(kind).iter_errors(entry)] == []
    logo = ROOT / "hub" / "static" / entry["logo_url"].lstrip("/")
    assert logo.read_text().startswith("<svg ")
    package = tomllib.loads((ROOT / name / "pyproject.toml").read_text())["project"]["name"]
    assert entry["pip_url"] == package  # installed from PyPI


def test_option_labels_as_users_write_them():
    settings = {s["name"]: s for s in definition("target-reconciled")["settings"]}
    assert "DuckDB" not in definition("target-reconciled")["label"]
    assert [o["label"] for o in settings["destination"]["options"]] == [
        "DuckDB",
        "PostgreSQL",
        "Singer target",
    ]
    assert [o["label"] for o in settings["forward_store"]["options"]] == ["DuckDB", "PostgreSQL"]
