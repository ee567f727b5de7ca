"""``healcode learn`` and ``healcode sample``: a coder that learns from human coding, and
the units a person should code next."""

from __future__ import annotations

from pathlib import Path

import click

from healcode.choices import DEFAULT_RULES, LEVELS, RULES
from healcode.cli.common import library_errors, min_overlap_option, stderr_console, stdout_console


@click.command()
@click.argument("codings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--units",
    "units",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="units.csv of the `healcode code` run the codings were made on; repeat it "
    "for codings of several corpora (document ids must differ).",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="The codebook the codings follow. Default: the bundled social-healing one.",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="theme",
    show_default=True,
    help="Learn themes (a code path's first part) or full code paths.",
)
@click.option(
    "--folds",
    type=click.IntRange(2, 50),
    default=5,
    show_default=True,
    help="Cross-validation folds (documents are never split between folds).",
)
@min_overlap_option
@click.option(
    "--rules",
    default=",".join(DEFAULT_RULES),
    show_default=True,
    metavar="RULES",
    help="The rules cross-validation may choose from per theme, comma-separated: either "
    "(dictionary or model), model, dictionary (the model unused). dictionary is not a "
    "default: cross-validation flatters a codebook written on the coded transcripts.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory for the model (model.json, weights.npz, cv.csv).",
)
@click.option("--force", is_flag=True, help="Replace an existing model directory.")
@click.option(
    "--no-bom", is_flag=True, help="Write cv.csv as plain UTF-8 (default: with a BOM for Excel)."
)
@click.option("-q", "--quiet", is_flag=True, help="No table on the terminal.")
@library_errors
def learn(
    codings: tuple[Path, ...],
    units: tuple[Path, ...],
    codebook: Path | None,
    level: str,
    folds: int,
    min_overlap: float,
    rules: str,
    output: Path,
    force: bool,
    no_bom: bool,
    quiet: bool,
) -> None:
    """Train a coder from the units people coded, with cross-validation.

    CODINGS are files in the formats `healcode agree` reads: document, unit, code (a
    unit with an empty code is coded "no code") or coded ranges document, start, end,
    code. Units no file mentions are not training data; a file whose every code is
    empty (a `healcode sample` file not filled in yet) is refused. One classifier per
    theme (logistic regression over the unit's character 1-3-grams and the 1-2-grams of
    the interviewer's question before it; word n-grams and the dictionary's hits as
    features are off, available from Python) is cross-validated by document, and each
    theme gets the threshold and the rule that cross-validation supports: dictionary OR
    model, model alone, or dictionary alone (the model unused where it does not help).
    The table gives precision, recall, F1, kappa and support of the dictionary alone,
    the model alone and the chosen rule; it is also written to OUTPUT/cv.csv.

    \b
    Examples:
      healcode code corpus/ -o run && healcode learn gold.csv --units run/units.csv -o model
      healcode learn a/gold.csv b/gold.csv --units run_a/units.csv --units run_b/units.csv -o model
    """
    from healcode.learning import learn as train
    from healcode.outdir import check_writable

    allowed = [rule.strip() for rule in rules.split(",") if rule.strip()]
    if not allowed or any(rule not in RULES for rule in allowed):
        raise click.BadParameter(
            f"{rules!r}: give some of {', '.join(RULES)}, comma-separated", param_hint="--rules"
        )
    check_writable(output, force=force, inputs=[*codings, *units])
    model = train(
        codings,
        units=units,
        codebook=codebook,
        level=level,  # type: ignore[arg-type]
        folds=folds,
        min_overlap=min_overlap,
        rules=allowed,  # type: ignore[arg-type]
    )
    err = stderr_console()
    for note in model.notes:
        err.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
    model.save(output, force=force, bom=not no_bom)
    if not quiet:
        _print_cv(model)
        stdout_console().print(
            f"Wrote the model to {output}/ (model.json, weights.npz, cv.csv): "
            f"{model.training['units']} coded units from {model.training['documents']} "
            f"documents; rules and thresholds: "
            + ", ".join(_rule_shown(model, label) for label in model.labels),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _print_cv(model) -> None:
    """One row per label and coder: the dictionary alone, the model alone and the rule
    chosen for the label (named), each with precision, recall, F1, kappa and support."""
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 0, 0, 0),
        show_edge=False,
        title=f"Cross-validation by document ({model.training['folds']} folds, "
        f"{model.training['units']} units)",
        caption="combined: the rule chosen for the label: either = dictionary OR model, "
        "model = model alone, dictionary = dictionary alone (the model unused); "
        "thresholds chosen on other folds",
    )
    table.add_column(model.level, overflow="fold")  # a long code path wraps
    table.add_column("coder", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    for header in ("prec.", "recall", "F1", "kappa", "support"):
        table.add_column(header, justify="right", no_wrap=True)
    previous = None
    for row in model.cv:
        label = row["label"]
        if previous is not None and label != previous:
            table.add_section()
        table.add_row(
            label if label != previous else "",
            row["coder"],
            row.get("rule", ""),
            *(_show(row[c]) for c in ("precision", "recall", "f1", "kappa")),
            str(row["support"]),
        )
        previous = label
    stdout_console().print(table)


def _rule_shown(model, label: str) -> str:
    rule = model.rules[label]
    if rule == "dictionary":
        return f"{label} dictionary alone"
    shown = "dictionary OR model" if rule == "either" else "model alone"
    return f"{label} {shown} at {model.thresholds[label]:.2f}"


def _show(value: object) -> str:
    """A figure with three decimals; an undefined one as "n/a" (cv.csv says why)."""
    if isinstance(value, float | int):
        return f"{value:.3f}"
    return str(value).split(" (", 1)[0]


@click.command()
@click.argument(
    "run", type=click.Path(path_type=Path), default=Path("healcode-out"), required=False
)
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="A model directory from `healcode learn`. Default: the bundled model "
    "(for runs with the bundled codebook).",
)
@click.option(
    "-c",
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="The codebook the run used, if it has moved (checked by SHA-256). "
    "Default: the path in manifest.json.",
)
@click.option(
    "-n",
    "number",
    type=click.IntRange(1),
    default=50,
    show_default=True,
    help="How many units to pick.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the random choices (the same seed picks the same units).",
)
@click.option(
    "--exclude",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Codings file whose units are already coded (repeatable).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("next.csv"),
    show_default=True,
    help="The codings file to fill in.",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option(
    "--no-bom", is_flag=True, help="Write the CSV as plain UTF-8 (default: with a BOM for Excel)."
)
@library_errors
def sample(
    run: Path,
    model_dir: Path | None,
    codebook: Path | None,
    number: int,
    seed: int,
    exclude: tuple[Path, ...],
    output: Path,
    force: bool,
    no_bom: bool,
) -> None:
    """Pick units of RUN (a `healcode code` output directory) for a person to code next.

    A mix of the units the model is least sure about (probability nearest a theme's
    threshold, 40%), units where the model and the dictionary disagree (30%), and a
    random share (the rest) so that estimates stay unbiased. OUTPUT is a codings file
    with the unit text and an empty code column: fill in the codes (one row per unit and
    code; leave it empty for "no code") and pass it to `healcode learn` with the earlier
    codings.

    \b
    Example (the loop: code, sample, code by hand, learn, code again):
      healcode code corpus/ -o run
      healcode sample run --model model -n 50 -o next.csv
      healcode learn gold.csv next.csv --units run/units.csv -o model2 --force
    """
    from healcode.learning import LearnedModel
    from healcode.learning.sample import sample_units, write_sample
    from healcode.outdir import check_writable_file

    check_writable_file(output, force=force, inputs=[run, *exclude])
    book = _run_codebook(run, codebook)
    if model_dir is None:
        from healcode.bundled import default_model_path

        model_dir = default_model_path()
    model = LearnedModel.load(model_dir, book)
    picked = sample_units(run, model, n=number, seed=seed, exclude=exclude)
    write_sample(picked, output, force=force, bom=not no_bom)
    counts = {
        why: sum(s.why == why for s in picked) for why in ("uncertain", "disagreement", "random")
    }
    stderr_console().print(
        f"Wrote {len(picked)} units to {output} ("
        + ", ".join(f"{n} {why}" for why, n in counts.items())
        + "); fill in the code column and pass it to healcode learn",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _run_codebook(run: Path, codebook: Path | None):  # -> Codebook
    from healcode.errors import CodebookError
    from healcode.run import Run

    opened = Run.open(run, codebook=codebook)
    book = opened.codebook
    if book is None:
        _, problem = opened.recorded_codebook()
        raise CodebookError(f"{run}: {problem}; pass --codebook with the file the run used")
    return book
