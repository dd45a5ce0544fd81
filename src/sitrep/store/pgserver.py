"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` into a temporary
folder, ``pg_ctl start`` listening on a Unix socket only (no TCP port), ``stop`` removes it.

``initdb`` refuses to run as root; when we are root the cluster belongs to the ``postgres``
system user (Debian's package creates it) and its commands run through ``runuser``.

    with TempPostgres() as pg:
        store = open_store(pg.url)      # postgresql:///sitrep?host=/tmp/...&user=postgres
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import StoreError

BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


def find_bin(name: str) -> str | None:
    """The path of a PostgreSQL server program (``initdb``, ``pg_ctl``), or None."""
    for d in BIN_DIRS:
        p = Path(d) / name
        if p.exists():
            return str(p)
    return shutil.which(name)


def available() -> str | None:
    """None when a throwaway server can be started here, else the reason why not."""
    for prog in ("initdb", "pg_ctl"):
        if find_bin(prog) is None:
            return f"{prog} not found (install Debian's postgresql package)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to own the cluster"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


class TempPostgres:
    """A PostgreSQL cluster in a temporary folder, for the life of this object."""

    def __init__(self, dbname: str = "sitrep", *, port: int = 5432) -> None:
        self.dbname = dbname
        self.port = port
        self.dir: Path | None = None
        self._as: list[str] = []
        self.user = "postgres"

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        assert self.dir is not None, "server not started"
        return f"postgresql:///{dbname}?host={self.dir}&port={self.port}&user={self.user}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        try:
            subprocess.run(
                [*self._as, *args], check=True, capture_output=True, text=True, timeout=timeout, cwd="/"
            )
        except subprocess.CalledProcessError as exc:
            raise StoreError(f"{Path(args[0]).name} failed: {(exc.stderr or exc.stdout).strip()}") from None

    def start(self) -> TempPostgres:
        why = available()
        if why:
            raise StoreError(f"cannot start a throwaway PostgreSQL: {why}")
        # /tmp: short enough for a Unix socket path (107 bytes), and the postgres user can
        # reach it (a $TMPDIR under /root could not be)
        self.dir = Path(tempfile.mkdtemp(prefix="sitrep-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.dir / "data"
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        assert initdb and pg_ctl
        self._run(
            initdb, "-D", str(data), "-U", self.user, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
            "--no-sync",
        )  # fmt: skip
        opts = (
            f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(pg_ctl, "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        self.create_database(self.dbname)
        return self

    def create_database(self, name: str) -> str:
        """Create an empty database on this server; returns its URL."""
        import psycopg

        for _ in range(50):
            try:
                with psycopg.connect(self.url_for("postgres"), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return self.url_for(name)
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise StoreError(f"throwaway PostgreSQL in {self.dir} does not accept connections")

    def stop(self) -> None:
        if self.dir is None:
            return
        pg_ctl = find_bin("pg_ctl")
        try:
            if pg_ctl:
                self._run(pg_ctl, "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
