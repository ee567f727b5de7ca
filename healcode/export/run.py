"""A coding run on disk: write its tables (CSV) and manifest.json, read the manifest back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import healcode
from healcode.errors import HealcodeError
from healcode.export.csv import write_csv
from healcode.export.outdir import staged_directory

if TYPE_CHECKING:
    from healcode.codebook import Codebook
    from healcode.coding import CodingResult

OUTPUT_FILES = (
    "documents.csv", "units.csv", "excerpts.csv", "hits.csv", "frequencies.csv",
    "matrix.csv", "cooccurrence.csv", "manifest.json",
)


def write_run(
    result: CodingResult, outdir: Path, *, force: bool = False, bom: bool = True
) -> list[Path]:
    from healcode import tables as build

    tables = {
        "documents.csv": build.documents_table(result),
        "units.csv": build.units_table(result.units),
        "excerpts.csv": build.excerpts_table(result),
        "hits.csv": build.hits_table(result.hits),
        "frequencies.csv": build.frequencies_table(result),
        "matrix.csv": build.matrix_table(result),
        "cooccurrence.csv": build.cooccurrence_table(result),
    }
    with staged_directory(outdir, force=force) as staging:
        for name, table in tables.items():
            write_csv(table, staging / name, bom=bom)
        manifest = build_manifest(result, {n: len(f) for n, f in tables.items()}, bom=bom)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return [outdir / name for name in OUTPUT_FILES]


def build_manifest(result: CodingResult, rows: dict[str, int], *, bom: bool) -> dict[str, object]:
    """Everything needed to reproduce the run; the only place that records the date."""
    codebook = result.codebook
    return {
        "healcode": healcode.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "codebook": {
            "path": str(Path(codebook.path).resolve()) if codebook.path else None,
            "sha256": codebook.sha256,
            "name": codebook.name,
        },
        "segmenter": {"name": result.segmenter, "version": result.segmenter_version},
        "options": {**result.reading, **result.options_dict(), "bom": bom},
        "inputs": [
            {"path": i.path, "root": i.root, "sha256": i.sha256, "encoding": i.encoding,
             "documents": list(i.ids)}
            for i in result.inputs
        ],
        "skipped": result.skipped,
        "metadata_columns": result.metadata_columns,
        "counts": {
            "documents": len(result.documents),
            "units": len(result.units),
            "coded_units": sum(u.in_scope for u in result.units),
            "hits": len(result.hits),
            "excerpts": rows["excerpts.csv"],
        },
        "rows": rows,
    }


def read_manifest(outdir: Path) -> dict[str, Any]:
    """The manifest of a run's output directory; every reader of a run starts here."""
    path = outdir / "manifest.json"
    if not outdir.is_dir():
        raise HealcodeError(f"{outdir}: no such directory; give the output directory of "
                            "healcode code")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HealcodeError(
            f"{path}: not found; {outdir} is not a healcode output directory (no manifest.json)"
        ) from None
    except json.JSONDecodeError as exc:
        raise HealcodeError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HealcodeError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or "codebook" not in manifest:
        raise HealcodeError(f"{path}: not the manifest of a healcode run; rerun healcode code")
    return manifest


def recorded_codebook(manifest: dict[str, Any]) -> tuple[Codebook | None, str]:
    """The codebook the run used, if it is still where the manifest says and unchanged;
    otherwise None and why (readers decide whether that is an error or a warning)."""
    from healcode.codebook import load_codebook

    recorded = manifest.get("codebook") or {}
    if not recorded.get("path"):
        return None, "manifest.json names no codebook file"
    path = Path(str(recorded["path"]))
    try:
        data = path.read_bytes()
    except OSError:
        return None, f"codebook {path} not found"
    expected = recorded.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        return None, f"codebook {path} changed since the run (SHA-256 differs)"
    return load_codebook(path), ""
