"""`sitrep stance`: the stance of texts (headlines or whole articles) towards claims."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from ..errors import InputError
from ..stance import read_jsonl_rows, read_model, stance


def _rows(inputs: tuple[str, ...], claim: str | None) -> Iterator[dict[str, Any]]:
    for name in inputs or ("-",):
        if name == "-":
            lines: Any = sys.stdin
        else:
            try:
                lines = open(name, encoding="utf-8")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise InputError(f"{name}: {exc.strerror or exc}") from None
        try:
            for row in read_jsonl_rows(lines, "stdin" if name == "-" else name):
                if claim is not None and "_error" not in row:
                    row.setdefault("claim", claim)
                yield row
        except UnicodeDecodeError:
            raise InputError(f"{name}: not UTF-8 text") from None
        finally:
            if name != "-":
                lines.close()


@click.command(name="stance")
@click.argument("inputs", nargs=-1)
@click.option("--claim", help="The claim, for input lines that do not carry their own.")
@click.option("--model", "model_path", help="A stance model JSON (default: the packaged one).")
def stance_command(inputs: tuple[str, ...], claim: str | None, model_path: str | None) -> int:
    """Stance of each text towards its claim: supports, refutes, observing or unrelated.

    INPUTS are JSON Lines files (or - for stdin, the default) of {"id","claim","text"}
    objects; "text" is a headline or a whole article ("headline" is read when there is no
    "text"; a line without "id" takes its 0-based line number). Output: one
    {"id","stance","score","evidence"} per line; a line that cannot be read gives
    {"id","error"} and exit status 1."""
    model = read_model(model_path) if model_path else None
    failed = 0
    for result in stance(_rows(inputs, claim), model):
        if "error" in result:
            failed += 1
            click.echo(f"sitrep: stance: id {result['id']}: {result['error']}", err=True)
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 1 if failed else 0


COMMANDS = [stance_command]
