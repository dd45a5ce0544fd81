"""Shared fixtures: paths, the real `sitrep` entry point, small stores.

PostgreSQL: a throwaway server for the store tests (one per session, one fresh database
per test), started here as the ``postgres`` user when the tests run as root; set
SITREP_TEST_PG_URL to use a server of your own instead (its user must be allowed to CREATE
DATABASE). PostgreSQL tests never skip silently: without a server they fail, unless
SITREP_SKIP_POSTGRES=1 says to skip them."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / ".." / "shared").resolve()
SAMPLES = ROOT / "samples"
SITREP = Path(sys.executable).parent / "sitrep"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared (present beside the project in CI and on developer machines)."""
    if not (SHARED / "data").is_dir():
        pytest.fail(f"{SHARED} is missing: the evaluation data must sit beside the project")
    return SHARED


@pytest.fixture(scope="session")
def seed_text(shared: Path) -> str:
    return (shared / "data" / "seed" / "raqqa-2017-06-15.txt").read_text(encoding="utf-8")


def run_sitrep(
    *args: str, input: str | bytes | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the installed console script, as a user would."""
    data = input.encode() if isinstance(input, str) else input
    return subprocess.run([str(SITREP), *args], input=data, capture_output=True, timeout=timeout, cwd=ROOT)


@pytest.fixture
def sitrep_cli():
    return run_sitrep


# --- PostgreSQL -------------------------------------------------------------------------
_db_ids = itertools.count()


class _External:
    """A server the developer runs (SITREP_TEST_PG_URL): databases are created on it."""

    def __init__(self, url: str) -> None:
        self.base = url

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        head, sep, query = self.base.partition("?")
        return head.rsplit("/", 1)[0] + "/" + name + sep + query


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    if os.environ.get("SITREP_SKIP_POSTGRES") == "1":
        pytest.skip("SITREP_SKIP_POSTGRES=1: PostgreSQL tests skipped on request")
    url = os.environ.get("SITREP_TEST_PG_URL")
    if url:
        yield _External(url)
        return
    from sitrep.store.pgserver import TempPostgres, available

    why = available()
    if why:
        pytest.fail(f"PostgreSQL tests need a server: {why} (or set SITREP_TEST_PG_URL)", pytrace=False)
    with TempPostgres() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: object) -> str:
    """A fresh, empty database on the test server."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_db_ids)}")  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgres"])
def store_target(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A store to open, on each backend in turn: a SQLite path or a postgresql:// URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")  # type: ignore[operator]
    return request.getfixturevalue("pg_url")  # type: ignore[no-any-return]
