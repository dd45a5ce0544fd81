"""The local runner: input order, models loaded once per worker, pinned thread pools,
bounded memory, and workers killed with SIGKILL (the run still stores every article once);
``ingest --resume`` after the whole process was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitrep.pipeline import Pipeline, analyze
from sitrep.record import Article
from sitrep.runner import default_workers, run_local
from sitrep.store import open_store

SITREP = str(Path(sys.executable).parent / "sitrep")
LOADS = 0


class Probe:
    """A stage that records where and how it ran; with SITREP_TEST_KILL set, the worker that
    meets the article named there kills itself with SIGKILL (once per marker file, or on
    every meeting when the marker is 'always')."""

    name, needs, sets = "probe", ("text",), ("probe",)

    def __init__(self) -> None:
        global LOADS
        LOADS += 1
        self.loads = LOADS

    def __call__(self, article: Article) -> Article:
        kill = os.environ.get("SITREP_TEST_KILL")
        if kill:
            target, marker = kill.split(":", 1)
            if article.id == target:
                if marker == "always":
                    os.kill(os.getpid(), signal.SIGKILL)
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                    os.kill(os.getpid(), signal.SIGKILL)
                except FileExistsError:
                    pass
        if article.text.startswith("slow"):
            time.sleep(0.05)
        article.title = f"{os.getpid()}:{self.loads}:{os.environ.get('OMP_NUM_THREADS')}"
        return article


def probe_pipeline() -> Pipeline:
    return Pipeline([Probe()])


def broken_pipeline() -> Pipeline:
    raise OSError("model files missing")


def arts(n: int) -> list[Article]:
    return [
        Article(text=f"{'slow ' if i % 5 == 0 else ''}article number {i}", id=f"a{i:03d}") for i in range(n)
    ]


def test_order_models_once_and_pinned_threads() -> None:
    before = os.environ.get("OMP_NUM_THREADS")
    out = list(run_local(arts(60), workers=2, pipeline_factory=probe_pipeline, batch_size=4))
    assert [a.id for a in out] == [f"a{i:03d}" for i in range(60)]
    pids = {a.title.split(":")[0] for a in out}  # type: ignore[union-attr]
    assert len(pids) == 2 and str(os.getpid()) not in pids
    assert {a.title.split(":", 1)[1] for a in out} == {"1:1"}  # one load per worker; OMP pinned  # type: ignore[union-attr]
    assert os.environ.get("OMP_NUM_THREADS") == before  # the parent's setting is restored


def test_analyze_dispatches_to_workers() -> None:
    out = list(analyze(arts(10), workers=2, pipeline_factory=probe_pipeline))
    assert [a.id for a in out] == [f"a{i:03d}" for i in range(10)]
    assert all(a.title and a.title.split(":")[0] != str(os.getpid()) for a in out)


def test_bounded_window() -> None:
    """The input is read only a window ahead of what has been returned (back-pressure)."""
    read = 0

    def source() -> Iterator[Article]:
        nonlocal read
        for a in arts(200):
            read += 1
            yield a

    ahead = []
    for n, _ in enumerate(
        run_local(source(), workers=2, pipeline_factory=probe_pipeline, batch_size=4, window=3), 1
    ):
        ahead.append(read - n)
    assert max(ahead) <= 3 * 4 + 4
    assert read == 200


def test_default_workers_is_all_cores() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))


def test_worker_killed_mid_run_every_article_stored_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "killed"
    monkeypatch.setenv("SITREP_TEST_KILL", f"a017:{marker}")
    out = run_local(arts(50), workers=2, pipeline_factory=probe_pipeline, batch_size=4)
    with open_store(tmp_path / "s.db") as store:
        outcomes = [r.outcome for r in store.add_many(out, batch=5)]
        assert marker.exists()  # a worker did die
        assert outcomes == ["new"] * 50
        assert store.count("articles") == 50
        assert store.scalar("SELECT COUNT(DISTINCT id) FROM articles") == 50
        assert not any(a["n_errors"] for a in store.articles())


def test_article_that_always_kills_its_worker_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_TEST_KILL", "a006:always")
    out = list(run_local(arts(12), workers=2, pipeline_factory=probe_pipeline, batch_size=4, max_retries=1))
    assert [a.id for a in out] == [f"a{i:03d}" for i in range(12)]
    failed = [a for a in out if a.errors]
    assert [a.id for a in failed] == ["a006"]
    assert failed[0].errors[0].code == "internal" and "died" in failed[0].errors[0].message
    assert all(a.title for a in out if a.id != "a006")  # its batch neighbours were analysed


def test_ingest_killed_then_resume_stores_each_article_once(tmp_path: Path) -> None:
    """SIGKILL to the whole `sitrep ingest` (driver and workers) mid-run; `--resume`
    finishes the job: every article stored exactly once."""
    n = 130
    batch = tmp_path / "batch.jsonl"
    import json

    with batch.open("w") as f:
        for i in range(n):
            f.write(
                json.dumps(
                    {
                        "id": f"r{i}",
                        "text": f"Shelling hit the town of Idlib on day {i}, killing {i % 9} people.",
                    }
                )
                + "\n"
            )
    db = tmp_path / "s.db"
    cmd = [SITREP, "ingest", str(batch), "--db", str(db), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    stored = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            with open_store(db) as store:
                stored = store.count("articles")
            if stored:
                break
    assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    with open_store(db) as store:
        before = store.count("articles")
    assert 0 < before < n
    r = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert f"{before} already there" in r.stderr
    with open_store(db) as store:
        assert store.count("articles") == n
        assert store.scalar("SELECT COUNT(DISTINCT content_hash) FROM articles") == n


def test_workers_that_cannot_start_stop_the_run_with_one_error() -> None:
    from sitrep.runner import WorkerError

    t = time.monotonic()
    with pytest.raises(WorkerError, match="died .* times in a row"):
        list(run_local(arts(40), workers=2, pipeline_factory=broken_pipeline, batch_size=4))
    assert time.monotonic() - t < 120
