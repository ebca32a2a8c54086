"""The CI workflows a public repository runs call the same make targets as here."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def steps(name: str, job: str) -> list[str]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    return [step.get("run", step.get("uses", "")) for step in workflow["jobs"][job]["steps"]]


def test_ci_runs_make_test_then_make_dist() -> None:
    runs = steps("ci.yml", "test")
    assert ".ci/run" in runs
    assert "make dist" in runs
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_release_builds_the_tagged_plugin_and_publishes_it() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "release.yml").read_text())
    tags = workflow[True]["push"]["tags"]  # YAML 1.1 reads the key `on` as true
    plugins = {tag.removesuffix("-v*") for tag in tags}
    assert plugins == {"tap-invoca", "tap-veinvoicing", "target-reconciled"}
    assert 'make dist PLUGINS="$PLUGIN"' in steps("release.yml", "dist")
    assert any(run.startswith("pypa/gh-action-pypi-publish") for run in steps("release.yml", "publish"))


def test_make_dist_builds_only_the_plugins_asked_for() -> None:
    dry = subprocess.run(
        ["make", "-n", "dist", "PLUGINS=tap-invoca"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    built = re.findall(r"--outdir dist (\S+)", dry)
    assert built == ["tap-invoca"]
