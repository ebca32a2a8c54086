"""A temporary copy of the Meltano project, installed once, and the real meltano CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
MELTANO = Path(sys.executable).parent / "meltano"
COPIED = ["meltano.yml", "tap-invoca", "tap-veinvoicing", "target-reconciled", "transform"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", "target", "logs")


def hour_ago() -> dt.datetime:
    """An emulated "now" just behind the real clock (the Ve tap reads windows up to the real now)."""
    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def copy_project(root: Path) -> None:
    """Copy the Meltano project and the plugins' sources into ``root``."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=IGNORED)
        else:
            shutil.copy2(source, root / name)


class Project:
    """The project copy, and ``meltano`` run in it with extra environment variables."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env: dict[str, str] = {}

    def meltano(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            **self.env,
        }
        result = subprocess.run(
            [str(MELTANO), *args], cwd=self.root, env=env, capture_output=True, text=True, timeout=600
        )
        if check and result.returncode != 0:
            pytest.fail(f"meltano {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
        return result

    def state(self, state_id: str) -> dict[str, Any]:
        """Meltano's stored state of one pipeline."""
        return json.loads(self.meltano("--environment=demo", "state", "get", state_id).stdout)

    def duckdb(self, path: str = "output/reconciled.duckdb") -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.root / path), read_only=True)


@pytest.fixture(scope="session")
def installed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project copied and ``meltano install``-ed once for the session."""
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    Project(root).meltano("install")
    return root


@pytest.fixture
def project(installed_project: Path) -> Project:
    """The installed project with no output and no stored state from an earlier test."""
    project = Project(installed_project)
    shutil.rmtree(installed_project / "output", ignore_errors=True)
    project.meltano("--environment=demo", "state", "clear", "--all", "--force", check=False)
    return project
