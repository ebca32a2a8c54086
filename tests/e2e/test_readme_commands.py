"""Every ``meltano ... run`` command a README shows works, after the one that starts the emulators.

The commands are read from the READMEs' shell blocks, so a README that shows a command that
does not work fails here. The emulators are built from ``make emulators``'s own options
(``scripts/emulators.py``), on free ports the taps are pointed at; the demo environment's
URLs are checked to be the ports ``make emulators`` uses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
import yaml

from sandbox.__main__ import build
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator
from tests.e2e.conftest import Project

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from emulators import EMULATORS  # noqa: E402

READMES = sorted({ROOT / "README.md", *ROOT.glob("*/README.md"), *ROOT.glob("docs/*.md")})
BLOCK = re.compile(r"```(?:sh|bash|shell|console)\n(.*?)```", re.S)
SCHEMAS = {"tap-invoca": "tap_invoca", "tap-veinvoicing": "tap_veinvoicing"}
PG_SCHEMAS = ("tap_invoca", "tap_veinvoicing", "analytics")


def readme_commands() -> list[tuple[str, dict[str, str], list[str]]]:
    """(README, environment assignments, meltano arguments) of every ``meltano ... run`` shown, once."""
    found: list[tuple[str, dict[str, str], list[str]]] = []
    for readme in READMES:
        for block in BLOCK.findall(readme.read_text()):
            for line in block.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                env = {}
                while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                    name, _, value = words.pop(0).partition("=")
                    env[name] = value
                shown = [(e, a) for _, e, a in found]
                if (
                    words
                    and words[0].endswith("meltano")
                    and "run" in words
                    and (env, words[1:]) not in shown
                ):
                    found.append((str(readme.relative_to(ROOT)), env, words[1:]))
    return found


COMMANDS = readme_commands()


def test_the_demo_environment_reads_the_ports_make_emulators_serves() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    demo = next(e for e in project["environments"] if e["name"] == "demo")
    urls = {p["name"]: p["config"]["api_url"] for p in demo["config"]["plugins"]["extractors"]}
    assert urls == {
        "tap-invoca": f"http://127.0.0.1:{EMULATORS['invoca'][0]}",
        "tap-veinvoicing": f"http://127.0.0.1:{EMULATORS['ve'][0]}",
    }


def test_the_readmes_show_the_pipelines() -> None:
    shown = {" ".join(args) for _, _, args in COMMANDS}
    assert len(COMMANDS) >= 4, shown
    assert any("target-reconciled" in args and "tap-invoca" in args for _, _, args in COMMANDS)
    assert any("dbt-duckdb:run" in args for _, _, args in COMMANDS)


@pytest.fixture(scope="module")
def emulators() -> Iterator[tuple[InvocaEmulator, VeEmulator, str, str]]:
    """Both emulators as ``make emulators`` builds them, on free ports."""
    invoca, _ = build(["invoca", "--port", "0", *EMULATORS["invoca"][1]])
    ve, _ = build(["ve", "--port", "0", *EMULATORS["ve"][1]])
    assert isinstance(invoca, InvocaEmulator)
    assert isinstance(ve, VeEmulator)
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        yield invoca, ve, invoca_server.url, ve_server.url


def _drop_pg(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in PG_SCHEMAS:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _pg_count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.mark.parametrize(
    ("readme", "env", "args"), COMMANDS, ids=[f"{r}: {' '.join(a)}" for r, _, a in COMMANDS]
)
def test_a_readme_command_loads_what_it_says(
    project: Project,
    emulators: tuple[InvocaEmulator, VeEmulator, str, str],
    postgres_url: str,
    readme: str,
    env: dict[str, str],
    args: list[str],
) -> None:
    invoca, ve, invoca_url, ve_url = emulators
    prod = "--environment=prod" in args
    project.env.update(
        {
            **env,
            "TAP_INVOCA_API_URL": invoca_url,
            "TAP_VEINVOICING_API_URL": ve_url,
            "TARGET_POSTGRES_SQLALCHEMY_URL": env.get("TARGET_POSTGRES_SQLALCHEMY_URL", postgres_url),
        }
    )
    if prod:  # the real APIs' secrets and account, as a user exports them; the emulators' values
        project.env.update(
            {
                "TAP_INVOCA_AUTH_TOKEN": "sandbox-invoca-token",
                "TAP_INVOCA_ACCOUNT_ID": "33",
                "TAP_VEINVOICING_SUBSCRIPTION_KEY": "production-ve-key",
                "TAP_VEINVOICING_START_DATE": (ve.clock.now() - dt.timedelta(days=70)).isoformat(),
                "TAP_VEINVOICING_REQUESTS_PER_MINUTE": "600",  # the emulator's limit, not the sandbox tier's
                "TAP_VEINVOICING_DOMAINS": json.dumps(["", *(m.domain for m in ve.config.merchants)]),
                "TARGET_RECONCILED_POSTGRES_URL": postgres_url,
                "DBT_POSTGRES_DBNAME": postgres_url.rsplit("/", 1)[1],
            }
        )
    uses_pg = prod or "target-reconciled-to-postgres" in args
    if uses_pg:
        _drop_pg(postgres_url)
    try:
        project.meltano(*args)
        check_loaded(project, args, invoca, ve, postgres_url if uses_pg else None)
    finally:
        if uses_pg:
            _drop_pg(postgres_url)


def check_loaded(
    project: Project, args: list[str], invoca: InvocaEmulator, ve: VeEmulator, pg: str | None
) -> None:
    """The rows each loader of the command holds equal the emulators' truth."""
    expected = {"tap_invoca": len(invoca.truth()), "tap_veinvoicing": len(ve.truth())}
    taps = [SCHEMAS[a] for a in args if a in SCHEMAS]
    assert taps, args
    loaders = [a for a in args if a.startswith(("target-", "dbt-"))]
    assert loaders, args
    database = project.root / "output" / "reconciled.duckdb"
    for loader in loaders:
        if loader == "target-jsonl":
            for schema in taps:
                path = project.root / "output" / "jsonl" / schema / "transactions.jsonl"
                assert len(path.read_text().splitlines()) >= expected[schema]
        elif loader == "target-reconciled" and pg is None:
            with duckdb.connect(str(database), read_only=True) as con:
                for schema in taps:
                    count = con.execute(f"select count(*) from {schema}.transactions").fetchone()[0]
                    assert count == expected[schema]
        elif loader == "target-reconciled":
            for schema in taps:
                assert _pg_count(pg, f"select count(*) from {schema}.transactions") == expected[schema]
        elif loader == "target-reconciled-to-postgres":
            assert pg is not None
            for schema in taps:
                live = f"select count(*) from {schema}.transactions where _reconciled_merged_into is null"
                assert _pg_count(pg, live) == expected[schema]
        elif loader.startswith("dbt-"):
            calls = len(invoca.complete_calls())
            sql = "select count(*) from analytics.invoca_calls"
            if loader.startswith("dbt-duckdb"):
                with duckdb.connect(str(database), read_only=True) as con:
                    assert con.execute(sql).fetchone()[0] == calls
            else:
                assert pg is not None
                assert _pg_count(pg, sql) == calls
        else:
            pytest.fail(f"no check for loader {loader} of a README command")
