"""Where sitrep keeps what it builds or fetches at install time (the gazetteer, the map's
country outlines): never in git, never downloaded at run time.

``$SITREP_DATA`` when set; else ``<venv>/share/sitrep`` inside a writable virtual
environment (what ``make install`` creates); else ``$XDG_DATA_HOME/sitrep`` (by default
``~/.local/share/sitrep``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_DATA = "SITREP_DATA"


def data_dir() -> Path:
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env).expanduser()
    if sys.prefix != sys.base_prefix and os.access(sys.prefix, os.W_OK):
        return Path(sys.prefix) / "share" / "sitrep"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "sitrep"
