"""Assessment forms: parse and validate only (no status, no side effects)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import CheckupItem, CostAgreement, Purpose
from assessments.rules import units
from clients import measurements
from clients.models import Institution
from clients.services import ObservationInput

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CaseForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Business purpose"), choices=Purpose.choices)


class ReferralForm(forms.Form):
    """Institution, items (recommended ones pre-selected), appointment and cost agreement."""

    institution = forms.ModelChoiceField(
        label=_("Designated institution"), queryset=Institution.objects.none()
    )
    items = forms.ModelMultipleChoiceField(
        label=_("Check-up items"), queryset=CheckupItem.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    appointment_at = forms.DateTimeField(
        label=_("Appointment"), required=False, widget=DATETIME_INPUT
    )
    payer = forms.ChoiceField(label=_("Who pays"), choices=CostAgreement.Payer.choices)
    cap = forms.DecimalField(
        label=_("Bank's cap (CNY)"), required=False, min_value=Decimal("0.01"), max_digits=10,
        decimal_places=2,
    )  # fmt: skip
    approved_by_name = forms.CharField(label=_("Cost agreement approved by"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Expired or suspended institutions cannot be picked (the service refuses them too).
        self.fields["institution"].queryset = Institution.objects.qualified().order_by("name")


class BookForm(forms.Form):
    appointment_at = forms.DateTimeField(label=_("Appointment"), widget=DATETIME_INPUT)


class ClientReportForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution that issued the report"), queryset=Institution.objects.all()
    )
    report_date = forms.DateField(
        label=_("Report date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ResultsForm(forms.Form):
    """One value + unit (+ the lab's reference range) per observation kind of the items."""

    def __init__(self, *args: Any, kinds: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [k for k in kinds if k in units.KINDS]
        for kind in self.kinds:
            label = measurements.KIND_LABELS.get(kind, kind)
            unit_choices = [
                (u, measurements.UNIT_LABELS.get(u, u)) for u in units.KINDS[kind].factors
            ]
            self.fields[f"{kind}_value"] = forms.DecimalField(
                label=label, required=False, max_digits=14, decimal_places=4
            )
            self.fields[f"{kind}_unit"] = forms.ChoiceField(
                label=_("Unit"), choices=unit_choices, initial=units.KINDS[kind].canonical
            )
            self.fields[f"{kind}_range"] = forms.CharField(
                label=_("Lab reference range"), required=False, max_length=40
            )
        self.fields["measured_at"] = forms.DateTimeField(
            label=_("Measured at"), widget=DATETIME_INPUT, initial=timezone.now
        )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"{k}_value"], self[f"{k}_unit"], self[f"{k}_range"]) for k in self.kinds]

    def observation_inputs(self) -> tuple[list[ObservationInput], dict[str, str]]:
        """The entered values (blank ones skipped) and the reference ranges given."""
        data, items, ranges = self.cleaned_data, [], {}
        reading = uuid.uuid4()
        for kind in self.kinds:
            value = data.get(f"{kind}_value")
            if value is None:
                continue
            bp = reading if kind in ("sbp", "dbp") else None
            items.append(
                ObservationInput(kind, value, data[f"{kind}_unit"], data["measured_at"], bp)
            )
            if data.get(f"{kind}_range"):
                ranges[kind] = data[f"{kind}_range"]
        return items, ranges


class FhirUploadForm(forms.Form):
    bundle = forms.FileField(label=_("FHIR R4 Bundle (JSON)"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that returns EVERY uploaded file (each is validated by the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        # No per-file check here: the service validates every file by content and names each
        # bad one (case B18); Django's own check would stop at an empty file without its name.
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f is not None]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class ReportFilesForm(forms.Form):
    files = MultipleFileField(label=_("Original report files (PDF, JPEG, PNG)"))


class OpinionForm(forms.Form):
    interpretation = forms.CharField(label=_("Interpretation"), widget=forms.Textarea)
    significant_findings = forms.CharField(
        label=_("Significant findings"), required=False, widget=forms.Textarea
    )
    recommended_follow_up = forms.CharField(
        label=_("Recommended follow-up"), required=False, widget=forms.Textarea
    )
    is_urgent = forms.BooleanField(label=_("Urgent"), required=False)
