"""Progress and outcome of batch runs, on stderr.

On a terminal the count updates in place; otherwise (CI logs, redirected stderr) a line is
written every ``every`` seconds, so long runs show they are alive without flooding logs.
``--quiet`` silences progress but never the failures or the final summary."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .record import Article


class Progress:
    def __init__(
        self,
        label: str = "articles",
        *,
        quiet: bool = False,
        every: float = 10.0,
        stream: TextIO | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.every = 0.2 if self.tty else every
        self.started = self.last = time.monotonic()
        self.done = self.ok = self.failed = 0
        self.words = 0

    def failure(self, article: Article) -> None:
        """One line per failed article: where it came from and why."""
        where = article._origin or article.id
        why = "; ".join(f"{e.message}" for e in article.errors)
        self._clear()
        print(f"sitrep: failed: {where}: {why}", file=self.stream)

    def update(self, article: Article) -> None:
        self.done += 1
        self.words += len(article.text.split()) if article.text else 0
        if article.errors:
            self.failed += 1
            self.failure(article)
        else:
            self.ok += 1
        now = time.monotonic()
        if not self.quiet and now - self.last >= self.every:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            line = f"  {self.done} {self.label}, {rate:.1f}/s, {self.failed} failed"
            if self.tty:
                print("\r" + line, end="", file=self.stream, flush=True)
            else:
                print("sitrep:" + line, file=self.stream, flush=True)

    def _clear(self) -> None:
        if self.tty and not self.quiet and self.done:
            print("\r" + " " * 60 + "\r", end="", file=self.stream)

    def finish(self, extra: str = "") -> None:
        self._clear()
        secs = time.monotonic() - self.started
        print(
            f"sitrep: {self.done} {self.label}: {self.ok} ok, {self.failed} failed ({secs:.1f} s){extra}",
            file=self.stream,
            flush=True,
        )

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0
