"""REFI-QDA exchange: healcode's coding out to NVivo, ATLAS.ti, MAXQDA or QualCoder
(``.qdc`` codebooks, ``.qdpx`` projects) and human coding back in."""

from healcode.refi.export import ExportSummary, codebook_xml, export_run
from healcode.refi.importing import ImportSummary, import_exchange
from healcode.refi.read import Exchange, read_exchange

__all__ = [
    "Exchange",
    "ExportSummary",
    "ImportSummary",
    "codebook_xml",
    "export_run",
    "import_exchange",
    "read_exchange",
]
