"""Forms of the health declaration: answers, conditions, measurements, questionnaires.

Each form validates its own fields (plausible ranges after unit conversion, ICD-10 codes, free
text) so that a bad field gets its error next to it; ``to_input`` assembles the service input.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients import icd10, measurements, questionnaires
from clients.forms.fields import FreeTextField
from clients.models import Declaration
from clients.services.health import DeclarationInput, ObservationInput

BP_READINGS = 3  # rows offered for repeated blood-pressure readings
CONDITION_ROWS = 3


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class DeclarationForm(forms.Form):
    measured_at = forms.DateTimeField(
        label=_("Measured / declared at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    self_rated_health = forms.ChoiceField(
        label=_("Self-rated health"),
        choices=_blank(Declaration.SelfRatedHealth.choices),
        required=False,
    )
    medications = FreeTextField(label=_("Medications"), max_length=1000, textarea=True)
    family_history = forms.MultipleChoiceField(
        label=_("Family history"),
        choices=Declaration.FamilyCondition.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    family_history_notes = FreeTextField(
        label=_("Family history notes"), max_length=500, textarea=True
    )
    smoking = forms.ChoiceField(
        label=_("Smoking"), choices=_blank(Declaration.Smoking.choices), required=False
    )
    alcohol = forms.ChoiceField(
        label=_("Alcohol"), choices=_blank(Declaration.Alcohol.choices), required=False
    )
    # China-PAR inputs (RULES.md §3.5): without region, residence (men), treatment and diabetes
    # the cn pack's default risk model answers "not applicable".
    region = forms.ChoiceField(
        label=_("Lives north or south of the Yangtze River"),
        choices=_blank(Declaration.Region.choices),
        required=False,
    )
    residence = forms.ChoiceField(
        label=_("Lives in an urban or rural area"),
        choices=_blank(Declaration.Residence.choices),
        required=False,
    )
    bp_treatment = forms.ChoiceField(
        label=_("Currently taking blood-pressure medication"),
        choices=_blank(Declaration.YesNo.choices),
        required=False,
    )
    diabetes = forms.ChoiceField(
        label=_("Diagnosed with diabetes"),
        choices=_blank(Declaration.YesNo.choices),
        required=False,
        help_text=_("A diabetes code (E10-E14) in the medical history also counts as yes."),
    )
    notes = FreeTextField(label=_("Other notes"), max_length=2000, textarea=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_measured_at(self) -> datetime.datetime:
        value = self.cleaned_data["measured_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("This time is in the future."))
        return value


class ConditionForm(forms.Form):
    chapter = forms.ChoiceField(label=_("ICD-10 chapter"), required=False)
    code = forms.CharField(
        label=_("ICD-10 code"),
        max_length=8,
        required=False,
        widget=forms.TextInput(
            attrs={"list": "icd10-options", "autocomplete": "off", "data-icd10-search": "1"}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Declaration.ConditionStatus.choices,
        initial=Declaration.ConditionStatus.ACTIVE,
    )
    notes = FreeTextField(label=_("Notes"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chapter"].choices = [("", "—")] + [
            (c.number, f"{c.number} {c.first}–{c.last} {c.title()}") for c in icd10.chapters()
        ]
        self.fields["chapter"].widget.attrs["data-icd10-chapter"] = "1"

    def clean_code(self) -> str:
        code = icd10.normalise(self.cleaned_data["code"])
        if code and not icd10.is_valid(code):
            raise forms.ValidationError(_("Enter an ICD-10 code such as I10 or E11.9."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("code") and data.get("notes"):
            self.add_error("code", _("Enter the ICD-10 code of this condition."))
        code, chapter = data.get("code"), data.get("chapter")
        found = icd10.chapter_of(code) if code and chapter else None
        if found is not None and found.number != chapter:
            self.add_error(
                "code",
                _("%(code)s is not in the chosen chapter (it belongs to chapter %(chapter)s).")
                % {"code": code, "chapter": f"{found.number} {found.first}–{found.last}"},
            )
        return data

    def entry(self) -> dict[str, str] | None:
        if not self.cleaned_data.get("code"):
            return None
        return {k: self.cleaned_data[k] for k in ("code", "status", "notes")}


ConditionFormSet = forms.formset_factory(ConditionForm, extra=CONDITION_ROWS, max_num=20)


def _unit_field(kind: str) -> forms.ChoiceField:
    units = measurements.ENTRY_UNITS[kind]
    return forms.ChoiceField(
        label=_("Unit"),
        choices=[(u, measurements.UNIT_LABELS[u]) for u in units],
        initial=units[0],
    )


def _value_field(kind: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=measurements.KIND_LABELS[kind], max_digits=8, decimal_places=3, required=False
    )


class MeasurementsForm(forms.Form):
    """Height, weight, waist and heart rate, each with a unit; checked after conversion."""

    KINDS = ("height", "weight", "waist", "heart_rate")

    height = _value_field("height")
    height_unit = _unit_field("height")
    weight = _value_field("weight")
    weight_unit = _unit_field("weight")
    waist = _value_field("waist")
    waist_unit = _unit_field("waist")
    heart_rate = _value_field("heart_rate")
    heart_rate_unit = _unit_field("heart_rate")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for kind in self.KINDS:
            value, unit = data.get(kind), data.get(f"{kind}_unit")
            if value is not None and unit:
                try:
                    measurements.to_canonical(kind, value, unit)
                except measurements.MeasurementError as exc:
                    self.add_error(kind, str(exc))
        return data

    def items(self, when: datetime.datetime) -> list[ObservationInput]:
        return [
            ObservationInput(kind, self.cleaned_data[kind], self.cleaned_data[f"{kind}_unit"], when)
            for kind in self.KINDS
            if self.cleaned_data.get(kind) is not None
        ]


class BloodPressureForm(forms.Form):
    """One reading: systolic and diastolic together, the diastolic below the systolic."""

    systolic = _value_field("sbp")
    diastolic = _value_field("dbp")
    unit = _unit_field("sbp")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        sbp, dbp, unit = data.get("systolic"), data.get("diastolic"), data.get("unit")
        if (sbp is None) != (dbp is None):
            missing = "diastolic" if dbp is None else "systolic"
            if missing not in self.errors:
                self.add_error(missing, _("Enter both values of the reading."))
            return data
        if sbp is None or not unit:
            return data
        canonical = {}
        for name, kind, value in (("systolic", "sbp", sbp), ("diastolic", "dbp", dbp)):
            try:
                canonical[kind] = measurements.to_canonical(kind, value, unit).value
            except measurements.MeasurementError as exc:
                self.add_error(name, str(exc))
        if len(canonical) == 2 and canonical["dbp"] >= canonical["sbp"]:
            self.add_error("diastolic", _("The diastolic value must be below the systolic."))
        return data

    def items(self, when: datetime.datetime) -> list[ObservationInput]:
        if self.cleaned_data.get("systolic") is None:
            return []
        reading, unit = uuid.uuid4(), self.cleaned_data["unit"]
        return [
            ObservationInput("sbp", self.cleaned_data["systolic"], unit, when, reading),
            ObservationInput("dbp", self.cleaned_data["diastolic"], unit, when, reading),
        ]


BloodPressureFormSet = forms.formset_factory(BloodPressureForm, extra=BP_READINGS, max_num=10)


class QuestionnaireForm(forms.Form):
    """PHQ-9 or GAD-7: every item optional (a missing item is stored, never scored)."""

    def __init__(self, *args: Any, instrument: questionnaires.Instrument, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", instrument.name)
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [("", _("Not answered")), *questionnaires.answer_choices()]
        for number, text, other in instrument.items():
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                help_text=other,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, int | None] | None:
        """Answers by item number, or None when the questionnaire was not used at all."""
        values = {
            str(n): self.cleaned_data.get(f"item_{n}") for n in range(1, self.instrument.size + 1)
        }
        return values if any(v is not None for v in values.values()) else None


def to_input(
    main: DeclarationForm,
    conditions: Any,
    measures: MeasurementsForm,
    pressures: Any,
    phq9: QuestionnaireForm,
    gad7: QuestionnaireForm,
) -> DeclarationInput:
    """Assemble the service input from valid forms. BP readings are a minute apart so that
    each reading keeps its own effective time (repeated readings)."""
    when = main.cleaned_data["measured_at"]
    items = measures.items(when)
    for i, form in enumerate(pressures.forms):
        items += form.items(when + datetime.timedelta(minutes=i))
    family = {"conditions": main.cleaned_data["family_history"]}
    if main.cleaned_data["family_history_notes"]:
        family["notes"] = main.cleaned_data["family_history_notes"]
    return DeclarationInput(
        self_rated_health=main.cleaned_data["self_rated_health"],
        conditions=[e for f in conditions.forms if (e := f.entry())],
        medications=main.cleaned_data["medications"],
        family_history=family if family["conditions"] or "notes" in family else {},
        smoking=main.cleaned_data["smoking"],
        alcohol=main.cleaned_data["alcohol"],
        region=main.cleaned_data["region"],
        residence=main.cleaned_data["residence"],
        bp_treatment=main.cleaned_data["bp_treatment"],
        diabetes=main.cleaned_data["diabetes"],
        notes=main.cleaned_data["notes"],
        phq9=phq9.answers(),
        gad7=gad7.answers(),
        measured_at=when,
        observations=items,
    )


__all__ = [
    "BloodPressureFormSet",
    "ConditionFormSet",
    "DeclarationForm",
    "MeasurementsForm",
    "QuestionnaireForm",
    "to_input",
]
