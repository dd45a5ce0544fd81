"""The ``sitrep`` command. Each verb is a thin wrapper over the library function of the
same name; the verbs live in one module per group and register here."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ..errors import SitrepError, UsageError

# module names under sitrep.cli; each defines click commands listed in its COMMANDS
VERB_MODULES = ("analyze", "query", "evaluate", "watch", "serve", "stance", "gazetteer", "clusters")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="sitrep")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """sitrep: conflict news to a structured, geolocated, sourced record."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="sitrep: %(levelname)s: %(message)s")
    if verbose == 0:
        logging.getLogger("sitrep.pipeline").setLevel(logging.CRITICAL)


for _name in VERB_MODULES:
    for _command in importlib.import_module(f"{__name__}.{_name}").COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr (exit 1; 2 for usage)."""
    try:
        rc = cli.main(args=argv, prog_name="sitrep", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("sitrep: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        click.echo(f"sitrep: error: {exc.message}", err=True)
        sys.exit(2)
    except SitrepError as exc:
        click.echo(f"sitrep: error: {exc.message}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.stderr.close()  # output piped into `head`: not an error
        sys.exit(0)
    except KeyboardInterrupt:
        click.echo("sitrep: interrupted", err=True)
        sys.exit(130)
    else:
        sys.exit(rc if isinstance(rc, int) else 0)
