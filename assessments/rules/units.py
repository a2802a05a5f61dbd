"""UCUM units for the rule engine: accepted codes, conversions per observation kind, plausibility.

Why no library: the engine needs about twenty UCUM codes and a handful of analyte-specific
mass<->molar factors that are clinical conventions (RULES.md §1.11), not UCUM arithmetic. General
UCUM libraries cannot convert mg/dL of glucose to mmol/L without a molar mass, and they would let
through units no rule expects. A closed table is smaller, exact (Decimal) and reviewable.

Invariants:
* Every value is a ``Decimal``; a conversion is ``value * mul / div + add`` and its inverse, with
  the constants written exactly as the source states them (round trips exact up to the division).
* A unit is accepted for a kind only if that kind's table lists it; anything else is an error naming
  the unit, never a silent fallback (cases B25, B28, B30).
* Plausibility ranges are physiological limits for catching unit mix-ups and typing errors; they are
  input validation, not clinical thresholds (those live in the rule packs).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Display spellings accepted in place of the UCUM code (case B30: "mmHg" is the display of mm[Hg]).
UNIT_ALIASES: dict[str, str] = {"mmHg": "mm[Hg]", "{beats}/min": "/min", "1/min": "/min"}

KNOWN_UNITS: frozenset[str] = frozenset(
    {
        "mm[Hg]", "kPa", "/min", "kg", "g", "[lb_av]", "cm", "m", "[in_i]", "kg/m2", "mmol/L",
        "mg/dL", "umol/L", "%", "mmol/mol", "U/L", "g/L", "g/dL", "10*9/L", "10*3/uL", "meq/L",
        "mL/min/{1.73_m2}", "{score}",
    }
)  # fmt: skip


class UnitError(ValueError):
    """A unit is unknown, or not accepted for the kind of observation it labels."""


@dataclass(frozen=True)
class Factor:
    """``canonical = value * mul / div + add``; the inverse undoes it in reverse order."""

    mul: Decimal = Decimal(1)
    div: Decimal = Decimal(1)
    add: Decimal = Decimal(0)


@dataclass(frozen=True)
class KindSpec:
    """One observation kind: its canonical unit, accepted units and plausible canonical range."""

    canonical: str
    factors: dict[str, Factor]
    low: Decimal
    high: Decimal


def _d(text: str) -> Decimal:
    return Decimal(text)


def _spec(canonical: str, low: str, high: str, **others: Factor) -> KindSpec:
    factors = {canonical: Factor()}
    factors.update({_UNIT_KEYS[key]: factor for key, factor in others.items()})
    return KindSpec(canonical, factors, _d(low), _d(high))


# Keyword-safe names for unit codes used in the table below.
_UNIT_KEYS = {
    "mg_dl": "mg/dL", "mmol_mol": "mmol/mol", "kpa": "kPa", "g": "g", "lb": "[lb_av]", "m": "m",
    "inch": "[in_i]", "g_dl": "g/dL", "per_ul": "10*3/uL", "meq": "meq/L",
}  # fmt: skip

# RULES.md §1.11 factors, each with its source marker there.
_GLUCOSE = Factor(mul=_d("0.0555"))  # mmol/L = mg/dL x 0.0555 [M]; 126 mg/dL ~ 7.0 mmol/L [V ADA]
_CHOLESTEROL = Factor(mul=_d("0.02586"))  # mmol/L = mg/dL x 0.02586 [V WHO Brazil code]
_TRIGLYCERIDE = Factor(mul=_d("0.01129"))  # mmol/L = mg/dL x 0.01129 [M]
_CREATININE = Factor(mul=_d("88.4"))  # umol/L = mg/dL x 88.4 [M] (NKF)
_URATE = Factor(mul=_d("59.48"))  # umol/L = mg/dL x 59.48 [C] from 404.5 umol/L = 6.8 mg/dL
_HBA1C_IFCC = Factor(div=_d("10.929"), add=_d("2.15"))  # IFCC = (NGSP - 2.15) x 10.929 [M]
# 1 mmHg = 133.3224 Pa = 0.1333224 kPa (conventional millimetre of mercury; NIST SP 811 (2008)
# Appendix B.8: "millimeter of mercury, conventional (mmHg) ... 1.333 224 E+02" Pa; UCUM m[Hg] =
# 133.3220 kPa). RULES.md §1.11's "1 mmHg = 0.133 kPa" (health-check consensus text) is a rounded
# restatement: dividing by 0.133 turns 16.0 kPa into 120.3 mmHg instead of 120.0 (case B30). The
# one factor for kPa: the declaration form, results form and FHIR import all convert through here.
_KPA = Factor(div=_d("0.1333224"))
_POUND = Factor(mul=_d("0.45359237"))  # UCUM [lb_av]: exactly 0.45359237 kg (1959 agreement)
_INCH = Factor(mul=_d("2.54"))  # UCUM [in_i]: exactly 2.54 cm
_SAME = Factor()  # equal magnitudes: mEq/L = mmol/L for Na/K; 10*3/uL = 10*9/L

KINDS: dict[str, KindSpec] = {
    "weight": _spec("kg", "2", "400", g=Factor(div=_d("1000")), lb=_POUND),
    "height": _spec("cm", "50", "250", m=Factor(mul=_d("100")), inch=_INCH),
    "waist": _spec("cm", "30", "250", m=Factor(mul=_d("100")), inch=_INCH),
    "bmi": _spec("kg/m2", "8", "100"),
    "sbp": _spec("mm[Hg]", "60", "300", kpa=_KPA),
    "dbp": _spec("mm[Hg]", "30", "200", kpa=_KPA),
    "heart_rate": _spec("/min", "20", "250"),
    # case B28: glucose above ~50 mmol/L is a mislabelled mg/dL value, not a reading
    "fasting_glucose": _spec("mmol/L", "0.5", "50", mg_dl=_GLUCOSE),
    "glucose": _spec("mmol/L", "0.5", "50", mg_dl=_GLUCOSE),
    "hba1c": _spec("%", "2", "25", mmol_mol=_HBA1C_IFCC),
    "total_cholesterol": _spec("mmol/L", "0.5", "30", mg_dl=_CHOLESTEROL),
    "ldl_c": _spec("mmol/L", "0.1", "25", mg_dl=_CHOLESTEROL),
    "hdl_c": _spec("mmol/L", "0.1", "10", mg_dl=_CHOLESTEROL),
    "triglycerides": _spec("mmol/L", "0.1", "100", mg_dl=_TRIGLYCERIDE),
    "creatinine": _spec("umol/L", "10", "3000", mg_dl=_CREATININE),
    "uric_acid": _spec("umol/L", "30", "2000", mg_dl=_URATE),
    "egfr": _spec("mL/min/{1.73_m2}", "1", "250"),
    "potassium": _spec("mmol/L", "1", "12", meq=_SAME),
    "sodium": _spec("mmol/L", "80", "200", meq=_SAME),
    "haemoglobin": _spec("g/L", "10", "300", g_dl=Factor(mul=_d("10"))),
    "platelets": _spec("10*9/L", "1", "3000", per_ul=_SAME),
}


def normalise_unit(code: str | None) -> str:
    """Return the UCUM code for ``code`` (display aliases mapped). Raises UnitError if unknown."""
    if code is None or not str(code).strip():
        raise UnitError("missing unit")
    code = UNIT_ALIASES.get(code, code)
    if code not in KNOWN_UNITS:
        raise UnitError(f"unknown unit '{code}' (expected a UCUM code such as mm[Hg], mmol/L, kg)")
    return code


def spec_for(kind: str) -> KindSpec:
    """The KindSpec of an observation kind. Raises UnitError for an unknown kind."""
    try:
        return KINDS[kind]
    except KeyError:
        raise UnitError(f"unknown observation kind '{kind}'") from None


def _factor(kind: str, unit: str) -> Factor:
    spec = spec_for(kind)
    unit = normalise_unit(unit)
    try:
        return spec.factors[unit]
    except KeyError:
        accepted = ", ".join(sorted(spec.factors))
        raise UnitError(
            f"unit '{unit}' is not accepted for {kind} (accepted: {accepted})"
        ) from None


def to_canonical(kind: str, value: Decimal, unit: str) -> Decimal:
    """Convert ``value`` in ``unit`` to the kind's canonical unit. Raises UnitError."""
    f = _factor(kind, unit)
    return value * f.mul / f.div + f.add


def from_canonical(kind: str, value: Decimal, unit: str) -> Decimal:
    """Convert a canonical ``value`` of ``kind`` into ``unit``. Raises UnitError."""
    f = _factor(kind, unit)
    return (value - f.add) * f.div / f.mul


def convert(kind: str, value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Convert between two accepted units of one kind; identity when the units are equal."""
    if normalise_unit(from_unit) == normalise_unit(to_unit):
        return value
    return from_canonical(kind, to_canonical(kind, value, from_unit), to_unit)


def round_half_up(value: Decimal, precision: Decimal) -> Decimal:
    """Round half-up to the exponent of ``precision`` (Decimal('0.1'), or a threshold like 7.0)."""
    return value.quantize(precision, rounding=ROUND_HALF_UP)


def plausibility_problem(kind: str, value: Decimal, unit: str) -> str | None:
    """Describe why ``value unit`` cannot be a real ``kind`` reading, or return None if it can."""
    try:
        canonical = to_canonical(kind, value, unit)
    except UnitError as exc:
        return str(exc)
    spec = KINDS[kind]
    if spec.low <= canonical <= spec.high:
        return None
    return (
        f"{kind} {value} {unit} is implausible "
        f"(plausible {spec.low}-{spec.high} {spec.canonical}; wrong unit?)"
    )
