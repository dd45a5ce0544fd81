"""Parquet export: CSV's columns, typed, plus the row as JSON; streamed in row groups;
readable by pyarrow (and so by DuckDB, Spark, pandas); through the CLI to a file or a pipe."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sitrep.errors import UsageError
from sitrep.store import Filters, open_store
from sitrep.store.export import EVENT_COLUMNS, write, write_parquet

sys.path.insert(0, str(Path(__file__).parent))
from test_store_postgres import make_article  # noqa: E402

SITREP = str(Path(sys.executable).parent / "sitrep")


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "s.db")
    with open_store(path) as store:
        list(store.add_many(make_article(i) for i in range(25)))
    return path


@pytest.mark.parametrize("kind", ["articles", "events", "claims", "places"])
def test_every_kind_round_trips(db: str, kind: str, tmp_path: Path) -> None:
    with open_store(db) as store:
        rows = list(getattr(store, kind)(Filters()))
        out = tmp_path / f"{kind}.parquet"
        n = write_parquet(iter(rows), str(out), kind, row_group=7)
    table = pq.read_table(out)
    assert n == len(rows) == table.num_rows > 0
    assert pq.ParquetFile(out).metadata.num_row_groups == -(-n // 7)  # streamed in groups
    assert [json.loads(d) for d in table.column("data").to_pylist()] == json.loads(json.dumps(rows))


def test_event_columns_are_acled_names_and_typed(db: str, tmp_path: Path) -> None:
    out = tmp_path / "e.parquet"
    with open_store(db) as store:
        write_parquet(store.events(), str(out), "events")
    table = pq.read_table(out)
    assert table.column_names == [*EVENT_COLUMNS, "data"]
    types = {f.name: str(f.type) for f in table.schema}
    assert (
        types["latitude"] == "double" and types["fatalities"] == "int64" and types["event_type"] == "string"
    )
    lats = [x for x in table.column("latitude").to_pylist() if x is not None]
    assert lats and all(isinstance(x, float) for x in lats)
    assert None in table.column("event_date").to_pylist()  # missing dates stay null


def test_cli_parquet_to_file_and_pipe(db: str, tmp_path: Path) -> None:
    out = tmp_path / "ev.parquet"
    r = subprocess.run(
        [SITREP, "events", "--db", db, "--format", "parquet", "-o", str(out)], capture_output=True
    )
    assert r.returncode == 0, r.stderr
    piped = subprocess.run([SITREP, "events", "--db", db, "--format", "parquet"], capture_output=True)
    assert piped.returncode == 0
    a, b = pq.read_table(out), pq.read_table(io.BytesIO(piped.stdout))
    assert a.num_rows == b.num_rows > 0
    assert a.drop(["data"]).equals(b.drop(["data"]))


def test_parquet_refuses_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(UsageError, match="binary"):
        write([], "parquet", Tty(), "events")
