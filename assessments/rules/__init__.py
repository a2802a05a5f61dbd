"""Pure rule engine for step 2 (Assess): rule packs, units, bands, CVD risk models, evaluation.

No Django imports anywhere in this package, so the web app, management commands and benchmarks
share one code path. The public API::

    from assessments.rules import CaseInputs, Observation, evaluate, load_pack

    result = evaluate(CaseInputs(sex="female", age=52, observations=[...]), pack="cn")
    result.recommendation, result.to_dict()
"""

from assessments.rules.engine import evaluate
from assessments.rules.inputs import CaseInputs, InputError, Observation, validate_inputs
from assessments.rules.packs import DEFAULT_PACK, Pack, PackError, available_packs, load_pack
from assessments.rules.result import Flag, MeasureResult, Result, TraceEntry

__all__ = [
    "DEFAULT_PACK",
    "CaseInputs",
    "Flag",
    "InputError",
    "MeasureResult",
    "Observation",
    "Pack",
    "PackError",
    "Result",
    "TraceEntry",
    "available_packs",
    "evaluate",
    "load_pack",
    "validate_inputs",
]
