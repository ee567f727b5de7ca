"""The healcode command line: a thin layer over the library, one module per command group.

Command modules import only Click at load time and the library inside each command, so
``healcode --help`` answers without loading spaCy, pandas or jieba.
"""

from __future__ import annotations

import click

from healcode import __version__
from healcode.cli.code import code


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="healcode")
def main() -> None:
    """Code Chinese interview transcripts against a codebook of themes.

    \b
    Quick start (bundled case study: the Warm Heart Home corpus and codebook):
      healcode code                  # writes healcode-out/
    """


main.add_command(code)
