"""Ten-year cardiovascular risk models and the CKD-EPI 2021 equation, in Decimal arithmetic.

Models (coefficients with their RULES.md section; published numbers, our own code):

* ``china_par``: China-PAR (Yang et al., Circulation 2016;134:1430), the T/JPMA 024-2024
  three-decimal coefficient set, S10 men 0.9707, women 0.9851 (RULES.md §3.1). Ages 35-74.
  TC and HDL in mg/dL converted from mmol/L with the paper's factor 0.0259 (§1.11).
* ``who_2019_lab`` / ``who_2019_nonlab``: WHO 2019 CVD risk charts (Lancet Glob Health
  2019;7:e1332), ERFC CHD and stroke models recalibrated per country or GBD region, combined as
  CVD = 1 - (1 - CHD)(1 - stroke) (§3.2). Ages 40-74. Laboratory recalibration sets: China 2017,
  East Asia 2017 and 2016 (§3.2). The non-laboratory coefficients are from the WHO working group's
  published Stata file (skkceu/stata ``whocvdrisk_erfc_score_v03.ado``, the file §3.2 cites); its
  recalibration parameters are not on file, so that model answers "not applicable" rather than an
  uncalibrated number.
* ``framingham_2008`` / ``framingham_2008_bmi``: D'Agostino et al., Circulation 2008;117:743,
  general CVD, laboratory and BMI models (§3.3). Ages 30-74.

A model outside its age range or without an input returns "not applicable" with the reason, never
a number (issue 6). All arithmetic runs in a 28-digit Decimal context with Decimal's ``ln``/``exp``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext

from assessments.rules import units

_CTX = Context(prec=28)
ONE = Decimal(1)


class NotApplicable(Exception):
    """The model may not be used for this case; the message says why."""


def _d(text: str) -> Decimal:
    return Decimal(text)


def _pow(base: Decimal, exponent: Decimal) -> Decimal:
    return (exponent * base.ln()).exp()


def _check_age(age: int, low: int, high: int, model: str) -> None:
    if not low <= age <= high:
        raise NotApplicable(f"age {age} is outside the {model} range {low}-{high}")


# --- CKD-EPI 2021 (RULES.md §1.7, Inker et al. NEJM 2021;385:1737) -------------------------------


def ckd_epi_2021(*, sex: str, age: int, creatinine_mgdl: Decimal) -> Decimal:
    """eGFR in mL/min/1.73 m² from IDMS creatinine (mg/dL), age and sex; race-free. Adults only."""
    if age < 18:
        raise NotApplicable(f"age {age}: CKD-EPI 2021 is for adults")
    female = sex == "female"
    kappa, alpha = (_d("0.7"), _d("-0.241")) if female else (_d("0.9"), _d("-0.302"))
    with localcontext(_CTX):
        ratio = creatinine_mgdl / kappa
        egfr = (
            142
            * _pow(min(ratio, ONE), alpha)
            * _pow(max(ratio, ONE), _d("-1.200"))
            * _d("0.9938") ** age
        )
        return egfr * _d("1.012") if female else egfr


# --- China-PAR (RULES.md §3.1, T/JPMA 024-2024 three-decimal set) --------------------------------


@dataclass(frozen=True)
class _ChinaPar:
    ln_age: Decimal
    ln_sbp: tuple[Decimal, Decimal]  # (untreated, treated)
    ln_tc: Decimal
    ln_hdl: Decimal
    ln_waist: Decimal
    smoker: Decimal
    diabetes: Decimal
    north: Decimal
    age_sbp: tuple[Decimal, Decimal]  # ln(age) x ln(SBP): (untreated, treated)
    mean: Decimal
    s10: Decimal
    urban: Decimal = Decimal(0)  # men only
    family_history: Decimal = Decimal(0)  # men only
    age_smoker: Decimal = Decimal(0)  # men only
    age_family_history: Decimal = Decimal(0)  # men only


CHINA_PAR = {
    "male": _ChinaPar(
        _d("31.967"), (_d("26.148"), _d("27.388")), _d("0.621"), _d("-0.695"), _d("-0.712"),
        _d("3.955"), _d("0.357"), _d("0.475"), (_d("-5.731"), _d("-6.018")), _d("140.68"),
        _d("0.9707"), urban=_d("-0.164"), family_history=_d("6.221"), age_smoker=_d("-0.939"),
        age_family_history=_d("-1.534"),
    ),
    # S10 0.9851, not the printed 0.99 that fails to reproduce the paper's own Table 2 (§3.1)
    "female": _ChinaPar(
        _d("24.874"), (_d("19.982"), _d("20.709")), _d("0.058"), _d("-0.217"), _d("1.475"),
        _d("0.495"), _d("0.567"), _d("0.544"), (_d("-4.360"), _d("-4.528")), _d("117.26"),
        _d("0.9851"),
    ),
}  # fmt: skip


def china_par(
    *,
    sex: str,
    age: int,
    sbp: Decimal,
    on_bp_treatment: bool,
    tc_mgdl: Decimal,
    hdl_mgdl: Decimal,
    waist_cm: Decimal,
    smoker: bool,
    diabetes: bool,
    north: bool,
    urban: bool = False,
    family_history: bool = False,
) -> Decimal:
    """China-PAR 10-year ASCVD risk in percent. Raises NotApplicable outside ages 35-74."""
    _check_age(age, 35, 74, "China-PAR")
    c, t = CHINA_PAR[sex], int(on_bp_treatment)
    with localcontext(_CTX):
        la, ls = Decimal(age).ln(), sbp.ln()
        smk, fh = Decimal(int(smoker)), Decimal(int(family_history))
        total = (
            c.ln_age * la
            + c.ln_sbp[t] * ls
            + c.ln_tc * tc_mgdl.ln()
            + c.ln_hdl * hdl_mgdl.ln()
            + c.ln_waist * waist_cm.ln()
            + c.smoker * smk
            + c.diabetes * int(diabetes)
            + c.north * int(north)
            + c.urban * int(urban)
            + c.family_history * fh
            + c.age_sbp[t] * la * ls
            + c.age_smoker * la * smk
            + c.age_family_history * la * fh
        )
        return 100 * (1 - _pow(c.s10, (total - c.mean).exp()))


# --- WHO 2019 (RULES.md §3.2) --------------------------------------------------------------------

# Terms: a = age-60, c = TC-6 (mmol/L), b = BMI-25, s = SBP-120; "dm", "smk" 0/1; "ax" = a*x.
WHO_LAB = {
    ("male", "chd"): dict(a="0.0719227", c="0.2284944", s="0.0132183", dm="0.6410114",
                          smk="0.5638109", ac="-0.0045806", as_="-0.0001576", adm="-0.0124966",
                          asmk="-0.0182545", s10="0.9540108"),
    ("female", "chd"): dict(a="0.1020713", c="0.2050377", s="0.015823", dm="1.070358",
                            smk="1.053223", ac="-0.0051932", as_="-0.0001378", adm="-0.0234174",
                            asmk="-0.0332666", s10="0.9894159"),
    ("male", "stroke"): dict(a="0.0986578", c="0.029526", s="0.0222629", dm="0.6268712",
                             smk="0.4981217", ac="0.00142", as_="-0.0004147", adm="-0.026302",
                             asmk="-0.0150561", s10="0.9849257"),
    ("female", "stroke"): dict(a="0.1056632", c="0.0257782", s="0.0206278", dm="0.8581998",
                               smk="0.7443627", ac="-0.0021387", as_="-0.0004897", adm="-0.0209826",
                               asmk="-0.0200822", s10="0.9890569"),
}  # fmt: skip
WHO_NONLAB = {
    ("male", "chd"): dict(a="0.073593", b="0.0337219", s="0.0133937", smk="0.5954767",
                          ab="-0.0010432", as_="-0.0001837", asmk="-0.0200831", s10="0.9544258"),
    ("female", "chd"): dict(a="0.1049418", b="0.0257616", s="0.016726", smk="1.093132",
                            ab="-0.0006537", as_="-0.0001966", asmk="-0.0343739", s10="0.9887124"),
    ("male", "stroke"): dict(a="0.097674", b="0.0159518", s="0.0227294", smk="0.4999862",
                             ab="-0.0003516", as_="-0.0004374", asmk="-0.0153895", s10="0.984826"),
    ("female", "stroke"): dict(a="0.1046105", b="0.0036406", s="0.0216741", smk="0.7399405",
                               ab="-0.0000129", as_="-0.0005311", asmk="-0.0203997",
                               s10="0.9885706"),
}  # fmt: skip
# (cons, slope) per sex and endpoint, laboratory model, read from the WHO .dta (§3.2 table).
WHO_LAB_CALIBRATION = {
    "china_2017": {("male", "chd"): ("-0.391949", "1.102796"),
                   ("male", "stroke"): ("0.155567", "0.732356"),
                   ("female", "chd"): ("-0.515930", "0.763817"),
                   ("female", "stroke"): ("-0.266652", "0.603354")},
    "east_asia_2017": {("male", "chd"): ("-0.362504", "1.081240"),
                       ("male", "stroke"): ("0.138899", "0.712616"),
                       ("female", "chd"): ("-0.421004", "0.773638"),
                       ("female", "stroke"): ("-0.259767", "0.596766")},
    "east_asia_2016": {("male", "chd"): ("-0.272665", "1.106070"),
                       ("male", "stroke"): ("0.163449", "0.717969"),
                       ("female", "chd"): ("-0.349415", "0.787005"),
                       ("female", "stroke"): ("-0.247722", "0.598235")},
}  # fmt: skip
# Non-laboratory recalibration parameters are not in RULES.md; none are invented here.
WHO_NONLAB_CALIBRATION: dict[str, dict] = {}


def who_2019_uncalibrated(
    *,
    lab: bool,
    sex: str,
    age: int,
    sbp: Decimal,
    smoker: bool,
    tc_mmol: Decimal | None = None,
    diabetes: bool | None = None,
    bmi: Decimal | None = None,
) -> dict[str, Decimal]:
    """Uncalibrated ERFC 10-year CHD and stroke risks (fractions) of the lab or non-lab model."""
    a, s, smk = Decimal(age - 60), sbp - 120, Decimal(int(smoker))
    risks = {}
    with localcontext(_CTX):
        for endpoint in ("chd", "stroke"):
            k = {n: _d(v) for n, v in (WHO_LAB if lab else WHO_NONLAB)[sex, endpoint].items()}
            lp = k["a"] * a + k["s"] * s + k["smk"] * smk + k["as_"] * a * s + k["asmk"] * a * smk
            if lab:
                c, dm = tc_mmol - 6, Decimal(int(diabetes))
                lp += k["c"] * c + k["dm"] * dm + k["ac"] * a * c + k["adm"] * a * dm
            else:
                b = bmi - 25
                lp += k["b"] * b + k["ab"] * a * b
            risks[endpoint] = 1 - _pow(k["s10"], lp.exp())
    return risks


def who_2019(
    *,
    lab: bool,
    calibration: str,
    sex: str,
    age: int,
    sbp: Decimal,
    smoker: bool,
    tc_mmol: Decimal | None = None,
    diabetes: bool | None = None,
    bmi: Decimal | None = None,
) -> Decimal:
    """Recalibrated WHO 2019 10-year CVD risk in percent. Raises NotApplicable."""
    _check_age(age, 40, 74, "WHO 2019")
    table = (WHO_LAB_CALIBRATION if lab else WHO_NONLAB_CALIBRATION).get(calibration)
    if table is None:
        kind = "laboratory" if lab else "non-laboratory"
        raise NotApplicable(f"no {kind}-model recalibration parameters on file for {calibration}")
    raw = who_2019_uncalibrated(
        lab=lab,
        sex=sex,
        age=age,
        sbp=sbp,
        smoker=smoker,
        tc_mmol=tc_mmol,
        diabetes=diabetes,
        bmi=bmi,
    )
    survival = ONE
    with localcontext(_CTX):
        for endpoint, risk in raw.items():
            cons, slope = (_d(x) for x in table[sex, endpoint])
            loglog = (-((1 - risk).ln())).ln()
            survival *= (-((cons + slope * loglog).exp())).exp()
        return 100 * (1 - survival)


# --- Framingham 2008 general CVD (RULES.md §3.3) -------------------------------------------------

FRAMINGHAM = {  # ln(age), ln(TC), ln(HDL), ln(SBP) untreated, treated, smoker, diabetes, mean, S0
    "male": ("3.06117", "1.12370", "-0.93263", "1.93303", "1.99881", "0.65451", "0.57367",
             "23.9802", "0.88936"),
    "female": ("2.32888", "1.20904", "-0.70833", "2.76157", "2.82263", "0.52873", "0.69154",
               "26.1931", "0.95012"),
}  # fmt: skip
FRAMINGHAM_BMI = {  # ln(age), ln(BMI), ln(SBP) untreated, treated, smoker, diabetes, mean, S0
    "male": ("3.11296", "0.79277", "1.85508", "1.92672", "0.70953", "0.53160", "23.9388",
             "0.88431"),
    "female": ("2.72107", "0.51125", "2.81291", "2.88267", "0.61868", "0.77763", "26.0145",
               "0.94833"),
}  # fmt: skip


def framingham_2008(
    *,
    sex: str,
    age: int,
    sbp: Decimal,
    on_bp_treatment: bool,
    smoker: bool,
    diabetes: bool,
    tc_mgdl: Decimal | None = None,
    hdl_mgdl: Decimal | None = None,
    bmi: Decimal | None = None,
) -> Decimal:
    """Framingham 2008 general-CVD 10-year risk in percent: lab model, or BMI model if ``bmi``."""
    _check_age(age, 30, 74, "Framingham 2008")
    with localcontext(_CTX):
        if bmi is None:
            k = [_d(x) for x in FRAMINGHAM[sex]]
            total = k[0] * Decimal(age).ln() + k[1] * tc_mgdl.ln() + k[2] * hdl_mgdl.ln()
            k = k[3:]
        else:
            k = [_d(x) for x in FRAMINGHAM_BMI[sex]]
            total = k[0] * Decimal(age).ln() + k[1] * bmi.ln()
            k = k[2:]
        total += (k[1] if on_bp_treatment else k[0]) * sbp.ln()
        total += k[2] * int(smoker) + k[3] * int(diabetes)
        return 100 * (1 - _pow(k[5], (total - k[4]).exp()))


# --- Running a model on a case ------------------------------------------------------------------


@dataclass(frozen=True)
class RiskEstimate:
    """One model's answer: ``percent`` (rounded to 0.1) or ``not_applicable`` with the reason."""

    model: str
    percent: Decimal | None
    not_applicable: str | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Model:
    needs: tuple[str, ...]
    compute: Callable[[Mapping[str, object], str | None], Decimal]
    men_also: tuple[str, ...] = ()


def _mg(q: tuple[Decimal, str], kind: str, factor: str | None = None) -> Decimal:
    value, unit = q
    if unit == "mg/dL":
        return value
    if factor:  # China-PAR converts mmol/L with the paper's own factor 0.0259 (§1.11)
        return value / _d(factor)
    return units.convert(kind, value, unit, "mg/dL")


def _mmol(q: tuple[Decimal, str], kind: str) -> Decimal:
    return units.convert(kind, q[0], q[1], "mmol/L")


def _china_par(x: Mapping, _cal: str | None) -> Decimal:
    return china_par(
        sex=x["sex"],
        age=x["age"],
        sbp=x["sbp"],
        on_bp_treatment=x["on_bp_treatment"],
        tc_mgdl=_mg(x["total_cholesterol"], "total_cholesterol", "0.0259"),
        hdl_mgdl=_mg(x["hdl_c"], "hdl_c", "0.0259"),
        waist_cm=x["waist"],
        smoker=x["smoker"],
        diabetes=x["diabetes"],
        north=x["region"] == "north",
        urban=x.get("residence") == "urban",
        family_history=bool(x.get("family_history_ascvd")),
    )


def _who(lab: bool) -> Callable[[Mapping, str | None], Decimal]:
    def compute(x: Mapping, cal: str | None) -> Decimal:
        extra = (
            {
                "tc_mmol": _mmol(x["total_cholesterol"], "total_cholesterol"),
                "diabetes": x["diabetes"],
            }
            if lab
            else {"bmi": x["bmi"]}
        )
        return who_2019(
            lab=lab,
            calibration=cal,
            sex=x["sex"],
            age=x["age"],
            sbp=x["sbp"],
            smoker=x["smoker"],
            **extra,
        )

    return compute


def _framingham(bmi: bool) -> Callable[[Mapping, str | None], Decimal]:
    def compute(x: Mapping, _cal: str | None) -> Decimal:
        extra = (
            {"bmi": x["bmi"]}
            if bmi
            else {
                "tc_mgdl": _mg(x["total_cholesterol"], "total_cholesterol"),
                "hdl_mgdl": _mg(x["hdl_c"], "hdl_c"),
            }
        )
        return framingham_2008(
            sex=x["sex"],
            age=x["age"],
            sbp=x["sbp"],
            smoker=x["smoker"],
            on_bp_treatment=x["on_bp_treatment"],
            diabetes=x["diabetes"],
            **extra,
        )

    return compute


_BASE = ("sex", "age", "sbp", "smoker")
MODELS: dict[str, _Model] = {
    "china_par": _Model(
        (*_BASE, "on_bp_treatment", "total_cholesterol", "hdl_c", "waist", "diabetes", "region"),
        _china_par, men_also=("residence", "family_history_ascvd")),
    "who_2019_lab": _Model((*_BASE, "total_cholesterol", "diabetes"), _who(lab=True)),
    "who_2019_nonlab": _Model((*_BASE, "bmi"), _who(lab=False)),
    "framingham_2008": _Model(
        (*_BASE, "on_bp_treatment", "diabetes", "total_cholesterol", "hdl_c"), _framingham(False)),
    "framingham_2008_bmi": _Model(
        (*_BASE, "on_bp_treatment", "diabetes", "bmi"), _framingham(True)),
}  # fmt: skip
CALIBRATED = ("who_2019_lab", "who_2019_nonlab")


def reference_problem(model: object, calibration: object) -> str | None:
    """Why a pack's reference to ``model``/``calibration`` is invalid, or None if it is valid."""
    if model not in MODELS:
        return f"unknown risk model {model!r} (known: {', '.join(MODELS)})"
    if model in CALIBRATED and calibration not in WHO_LAB_CALIBRATION:
        return f"{model} needs a calibration, one of {', '.join(WHO_LAB_CALIBRATION)}"
    if model not in CALIBRATED and calibration is not None:
        return f"{model} takes no calibration"
    return None


def estimate(model: str, calibration: str | None, available: Mapping[str, object]) -> RiskEstimate:
    """Run ``model`` on the case's inputs; missing inputs or range give not_applicable."""
    spec = MODELS[model]
    needs = spec.needs + (spec.men_also if available.get("sex") == "male" else ())
    shown = {k: _show(available[k]) for k in needs if available.get(k) is not None}
    missing = [k for k in needs if available.get(k) is None]
    if missing:
        return RiskEstimate(model, None, f"missing input: {', '.join(missing)}", shown)
    try:
        percent = spec.compute(available, calibration)
    except NotApplicable as exc:
        return RiskEstimate(model, None, str(exc), shown)
    return RiskEstimate(model, units.round_half_up(percent, Decimal("0.1")), None, shown)


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return f"{value[0]} {value[1]}"
    return str(value).lower() if isinstance(value, bool) else str(value)
