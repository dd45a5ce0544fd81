"""Shared fixtures: paths, the real `sitrep` entry point, small stores."""

from __future__ import annotations

import subprocess
import sys
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
