"""The plugins as a stranger gets them: built wheels installed into a fresh virtualenv, then run.

The virtualenv lives outside the repository, nothing is installed editable, and every command
runs from a directory that is not the repository with no PYTHONPATH: what is imported is what
the wheels hold.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"
PLUGINS = {
    "tap-invoca": "tap_invoca",
    "tap-veinvoicing": "tap_veinvoicing",
    "target-reconciled": "target_reconciled",
}
NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


class Installed:
    """A virtualenv holding the three wheels, and a clean environment to run its commands in."""

    def __init__(self, venv: Path, work: Path) -> None:
        self.venv = venv
        self.work = work
        self.env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}

    def run(self, *args: str, stdin: Any = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.venv / "bin" / args[0]), *args[1:]]
        result = subprocess.run(
            command, cwd=self.work, env=self.env, stdin=stdin, capture_output=True, text=True, timeout=300
        )
        if check:
            assert result.returncode == 0, f"{' '.join(args)}: {result.stderr[-3000:]}"
        return result

    def config(self, name: str, values: dict[str, Any]) -> str:
        path = self.work / f"{name}.json"
        path.write_text(json.dumps(values))
        return str(path)


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Each plugin built as ``make dist`` builds it (an sdist, and a wheel from that sdist), the
    wheels installed into a new venv."""
    work = tmp_path_factory.mktemp("stranger")
    dist = work / "dist"
    for plugin in PLUGINS:
        build = [sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(dist), plugin]
        _run(build, ROOT)
    venv = work / "venv"
    _run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], work)
    wheels = sorted(str(path) for path in dist.glob("*.whl"))
    assert len(wheels) == len(PLUGINS)
    _run([str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), *wheels], work)
    return Installed(venv, work)


def test_twine_check_passes(installed: Installed) -> None:
    """The sdists and wheels are what PyPI accepts: metadata complete, README renders."""
    artefacts = sorted(str(path) for path in (installed.work / "dist").iterdir())
    assert len(artefacts) == 2 * len(PLUGINS)
    _run([sys.executable, "-m", "twine", "check", "--strict", *artefacts], installed.work)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_about_names_the_packaged_version(installed: Installed, plugin: str) -> None:
    about = json.loads(installed.run(plugin, "--about", "--format=json").stdout)
    version = tomllib.loads((ROOT / plugin / "pyproject.toml").read_text())["project"]["version"]
    assert (about["name"], about["version"]) == (plugin, version)
    assert about["settings"]["properties"]


def test_code_comes_from_the_wheels(installed: Installed) -> None:
    script = (
        "import json, "
        + ", ".join(PLUGINS.values())
        + "; print(json.dumps(["
        + ", ".join(f"{module}.__file__" for module in PLUGINS.values())
        + "]))"
    )
    files = json.loads(installed.run("python", "-c", script).stdout)
    site = installed.venv / "lib"
    assert all(Path(file).is_relative_to(site) for file in files), files
    assert not any(Path(file).is_relative_to(ROOT) for file in files)


@pytest.mark.parametrize(
    ("tap", "config"),
    [
        ("tap-invoca", {"auth_token": "t", "account_id": "33"}),
        ("tap-veinvoicing", {"subscription_key": "k", "start_date": "2026-01-01"}),
    ],
)
def test_taps_discover_their_stream(installed: Installed, tap: str, config: dict[str, Any]) -> None:
    catalog = json.loads(installed.run(tap, "--config", installed.config(tap, config), "--discover").stdout)
    stream = catalog["streams"][0]
    assert [s["tap_stream_id"] for s in catalog["streams"]] == ["transactions"]
    assert stream["key_properties"] in (["transaction_id"], ["transactionId"])


def test_a_sync_from_both_emulators_into_the_installed_target(installed: Installed) -> None:
    invoca = InvocaEmulator(clock=VirtualClock(NOW), seed=2, size=120, days=3)
    ve = VeEmulator(clock=VirtualClock(NOW), seed=2, size=60, days=10, rate_limit=600)
    database = installed.work / "stranger.duckdb"
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        taps = {
            "tap-invoca": (
                "tap_invoca",
                {"api_url": invoca_server.url, "auth_token": "sandbox-invoca-token", "account_id": "33"},
            ),
            "tap-veinvoicing": (
                "tap_veinvoicing",
                {
                    "api_url": ve_server.url,
                    "subscription_key": "sandbox-ve-key",
                    "start_date": (NOW - dt.timedelta(days=15)).isoformat(),
                    "end_date": NOW.isoformat(),
                    "domains": ["", *(merchant.domain for merchant in ve.config.merchants)],
                    "requests_per_minute": 600,
                },
            ),
        }
        for tap, (schema, config) in taps.items():
            extracted = installed.run(tap, "--config", installed.config(tap, config))
            target_config = installed.config(
                "target", {"duckdb_path": str(database), "default_target_schema": schema}
            )
            loaded = subprocess.run(
                [str(installed.venv / "bin" / "target-reconciled"), "--config", target_config],
                input=extracted.stdout,
                cwd=installed.work,
                env=installed.env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert loaded.returncode == 0, loaded.stderr[-3000:]
            assert json.loads(loaded.stdout.splitlines()[-1])["bookmarks"]["transactions"]  # its last STATE
    with duckdb.connect(str(database), read_only=True) as con:
        invoca_rows = con.execute("select count(*) from tap_invoca.transactions").fetchone()[0]
        ve_rows = con.execute("select count(*) from tap_veinvoicing.transactions").fetchone()[0]
    assert invoca_rows == len(invoca.truth())
    assert ve_rows == len(ve.truth())
