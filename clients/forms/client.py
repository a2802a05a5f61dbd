"""Forms for clients: create, search and reassign."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients import validators
from clients.forms.fields import FreeTextField
from clients.models import Client
from clients.services.clients import MANAGER_CAPABILITY


class ClientForm(forms.Form):
    """A new client; identifiers are validated here and again by the model."""

    name = FreeTextField(label=_("Full name"), max_length=100, required=True)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Client.IdType.choices)
    national_id = FreeTextField(label=_("ID number"), max_length=40)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Client.Sex.choices)
    occupation = FreeTextField(label=_("Occupation"), max_length=100)
    occupation_risk = forms.TypedChoiceField(
        label=_("Occupational risk class"),
        choices=[("", "—"), *Client.OccupationRisk.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    phone = FreeTextField(label=_("Phone"), max_length=32)
    address = FreeTextField(label=_("Address"), max_length=300)
    branch = FreeTextField(label=_("Branch"), max_length=100)

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data["date_of_birth"]
        validators.validate_adult_birth_date(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        number = data.get("national_id")
        if number and data.get("id_type") == Client.IdType.RESIDENT_ID:
            try:
                validators.validate_resident_id(number)
            except ValidationError as exc:
                self.add_error("national_id", exc)
        return data


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Exact full name or ID number"), max_length=100, required=False, strip=True
    )


class ReassignForm(forms.Form):
    new_manager = forms.ModelChoiceField(
        label=_("New client manager"), queryset=get_user_model().objects.none()
    )

    def __init__(self, *args: Any, supervisor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app_label, codename = MANAGER_CAPABILITY.split(".")
        users = get_user_model().objects.filter(is_active=True)
        holders = users.filter(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
        # The supervisor's team (and the supervisor) are the candidates.
        team = holders.filter(supervisor=supervisor) | holders.filter(pk=supervisor.pk)
        self.fields["new_manager"].queryset = team.distinct().order_by("username")
        self.fields["new_manager"].label_from_instance = lambda u: u.get_username()
