"""Writes the CLI reference (docs/cli.md) from the commands themselves, so it cannot drift:
``python -m sitrep.cli.reference > docs/cli.md``; a test checks the file is current."""

from __future__ import annotations

import click

from . import cli


def reference() -> str:
    ctx = click.Context(cli, info_name="sitrep", max_content_width=100, terminal_width=100)
    parts = [
        "# CLI reference",
        "",
        "Generated from the commands (`python -m sitrep.cli.reference > docs/cli.md`). Exit status: 0 when",
        "everything succeeded, 1 when an input or article failed (each failure is one line on stderr, and a",
        "summary `N ok, M failed` ends every batch), 2 for usage errors.",
        "",
        "```",
        cli.get_help(ctx),
        "```",
    ]
    for name in sorted(cli.list_commands(ctx)):
        command = cli.get_command(ctx, name)
        assert command is not None
        sub = click.Context(command, info_name=name, parent=ctx, max_content_width=100, terminal_width=100)
        parts += ["", f"## sitrep {name}", "", "```", command.get_help(sub), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
