"""The docs that are generated from code are current."""

from __future__ import annotations

from conftest import ROOT

from sitrep.cli.reference import reference


def test_cli_reference_is_current():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == reference(), "docs/cli.md is stale: python -m sitrep.cli.reference > docs/cli.md"
