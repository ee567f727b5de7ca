"""Inter-coder reliability: agreement between coders and scores against a gold standard.

(Named for the field rather than ``agreement`` so that the package never shadows the
public function ``healcode.agreement``.)
"""

from healcode.reliability.codings import (
    CodedRange,
    Codings,
    RangeMapping,
    UnitCoding,
    UnitSpan,
    code_at_level,
    map_ranges,
    read_codings,
    read_units,
)
from healcode.reliability.compare import AgreementResult, agreement, evaluate
from healcode.reliability.measures import (
    Undefined,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    precision_recall,
)

__all__ = [
    "AgreementResult",
    "CodedRange",
    "Codings",
    "RangeMapping",
    "Undefined",
    "UnitCoding",
    "UnitSpan",
    "agreement",
    "code_at_level",
    "cohen_kappa",
    "evaluate",
    "fleiss_kappa",
    "krippendorff_alpha",
    "map_ranges",
    "percent_agreement",
    "precision_recall",
    "read_codings",
    "read_units",
]
