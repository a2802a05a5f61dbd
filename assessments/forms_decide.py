"""Forms of the decide step: product, proposal, approval, send back, review request,
emergency steps. Parse and validate only; the services apply the rules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments import findings as fnd
from assessments.models import Control, Outcome, Product
from assessments.services import Proposal

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CitedField(forms.MultipleChoiceField):
    """Offers the citable findings but passes any posted key on: the decision service refuses
    and audits a restricted or unknown one (a refusal must be on record, not a form error)."""

    def valid_value(self, value: Any) -> bool:
        return isinstance(value, str) and 0 < len(value) <= 60


class ProductForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.active(), required=False
    )


class ActionForm(forms.Form):
    """Hidden version (optimistic check) and idempotency token of a one-click action."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4()


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


def finding_label(finding: fnd.Finding) -> str:
    lang = "zh" if (get_language() or "").startswith("zh") else "en"
    label = fnd.text_for(finding.measure)["label"][lang]
    detail = f"ICD-10 {finding.detail}" if finding.kind == "condition" else finding.detail
    return f"{label} ({detail})"


class DecisionForm(ActionForm):
    """The manager's proposal: outcome, controls with parameters, postponement, rationale,
    the findings cited (only citable ones are offered), and an override reason."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    cited = CitedField(
        label=_("Findings cited"), required=False, widget=forms.CheckboxSelectMultiple
    )
    postpone_until = forms.DateField(label=_("Postpone until"), required=False, widget=DATE_INPUT)
    postpone_condition = forms.CharField(
        label=_("Or until this condition"), required=False, max_length=300
    )
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))
    override_reason = forms.CharField(
        label=_("Override reason (below the engine's outcome floor)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, citable: list[fnd.Finding], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cited"].choices = [(f.key, finding_label(f)) for f in citable]
        for control in Control:
            self.fields[f"control_{control.value}"] = forms.CharField(
                label=control.label, required=False, max_length=120,
                help_text=_("Parameter, e.g. amount, years, percentage or scope"),
            )  # fmt: skip

    def control_list(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {"kind": c.value, "parameter": data[f"control_{c.value}"].strip()}
            for c in Control
            if data.get(f"control_{c.value}", "").strip()
        ]

    def proposal(self) -> Proposal:
        data = self.cleaned_data
        return Proposal(
            outcome=data["outcome"], rationale=data["rationale"], cited=data["cited"],
            controls=self.control_list(), postpone_until=data["postpone_until"],
            postpone_condition=data["postpone_condition"],
            override_reason=data["override_reason"],
        )  # fmt: skip


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
