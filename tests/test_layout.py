"""The repository root holds only what the README's layout table lists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_committed_root_entry_is_in_the_readme_layout() -> None:
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    listed = {
        name.split("/")[0]
        for row in layout.splitlines()
        if row.startswith("|")
        for name in re.findall(r"`([^`\s]+)`", row.split("|")[1])
    }
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    committed = {path.split("/", 1)[0] for path in files.splitlines()}
    assert committed - listed == set(), "add these to the README's layout, or remove them"
