"""Datelines: "RAQQA, SYRIA (June 15, 2017) –", "BEIRUT (Reuters) -", "DAMASCUS, June 15 (AFP) -".

Ingest reads the place and date from them; the language stage keeps a dateline inside the
sentence it opens (spaCy would otherwise cut "IDLIB, SYRIA (March 9, 2019)" off as a
sentence of its own)."""

from __future__ import annotations

import re

DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Z'’.\-]+(?:[ \-][A-Z][A-Z'’.\-]+)*(?:,\s*[A-Z][A-Za-z'’.\-]+(?:\s+[A-Z][A-Za-z'’.\-]+)*)?)"
    r"(?P<rest>(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\((?P<paren>[^)]{2,40})\))?)\s*[–—\-:]+\s",
)


def dateline_at(text: str, start: int = 0) -> tuple[int, int] | None:
    """Where the dateline opening the paragraph at ``start`` begins and ends (after its
    dash), if there is one."""
    m = DATELINE.match(text[start : start + 200])
    if m is None or len(m.group("place").strip()) < 3:
        return None
    return start + m.start("place"), start + m.end()
