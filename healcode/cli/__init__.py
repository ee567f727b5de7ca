"""The healcode command line: a thin layer over the library, one module per command group.

Command modules import only Click at load time and the library inside each command, so
``healcode --help`` answers without loading spaCy, pandas or jieba.
"""

from __future__ import annotations

import click

from healcode import __version__
from healcode.cli.agree import agree, evaluate
from healcode.cli.code import code
from healcode.cli.codebook import codebook
from healcode.cli.kwic import kwic
from healcode.cli.learn import learn, sample
from healcode.cli.refi import export, import_exchange
from healcode.cli.report import report
from healcode.cli.review import review
from healcode.cli.suggest import suggest
from healcode.cli.tables import tables
from healcode.cli.words import words


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="healcode")
def main() -> None:
    """Code Chinese interview transcripts against a codebook of themes.

    \b
    Quick start (bundled case study: the Warm Heart Home corpus and codebook):
      healcode code                  # writes healcode-out/
      healcode review                # accept, reject and add codings in the browser
    """


main.add_command(code)
main.add_command(codebook)
main.add_command(kwic)
main.add_command(suggest)
main.add_command(words)
main.add_command(agree)
main.add_command(evaluate)
main.add_command(export)
main.add_command(import_exchange)
main.add_command(report)
main.add_command(review)
main.add_command(tables)
main.add_command(learn)
main.add_command(sample)
