"""Forms for consent capture and withdrawal."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Consent, Institution, Purpose

DEFAULT_TERM_YEARS = 3


def _default_expiry() -> datetime.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + DEFAULT_TERM_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + DEFAULT_TERM_YEARS, day=28)


class ConsentForm(forms.Form):
    """Separate consent for one purpose. Nothing is pre-ticked (explicit consent, EU-01)."""

    notice_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Consent.Channel.choices, widget=forms.RadioSelect
    )
    expires_on = forms.DateField(
        label=_("Consent expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    evidence = forms.FileField(
        label=_("Signed consent form (PDF, JPEG or PNG)"),
        help_text=_("Stored encrypted; the file type is checked from its content."),
    )
    confirmed = forms.BooleanField(
        label=_(
            "The client read the notice above and gave separate, explicit consent to this "
            "purpose only, not bundled with any other agreement."
        ),
        required=True,
    )

    def __init__(self, *args: Any, purpose: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.purpose = purpose
        self.fields["expires_on"].initial = _default_expiry()
        if purpose == Purpose.SHARE_WITH_INSTITUTION:
            self.fields["institution"].required = True
            self.fields["institution"].queryset = Institution.objects.qualified().order_by("name")
        else:
            del self.fields["institution"]

    def clean_expires_on(self) -> datetime.date:
        value = self.cleaned_data["expires_on"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return value

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data["evidence"]
        if upload.size > settings.MAX_UPLOAD_FILE_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload

    def expires_at(self) -> datetime.datetime:
        """The consent covers the whole expiry day entered, a LOCAL day (the current time zone,
        Asia/Shanghai): it expires at the end of that day. Stored as the day's last microsecond
        (23:59:59.999999 local, aware), so every page shows the date entered; ``Consent.state``
        reads ``expires_at <= now`` as expired, i.e. from the next local day on. (The next day's
        midnight, stored before, displayed as the following date.)"""
        day = self.cleaned_data["expires_on"]
        zone = timezone.get_current_timezone()
        return datetime.datetime.combine(day, datetime.time.max, tzinfo=zone)


class WithdrawForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Withdrawal requested"), choices=Consent.Channel.choices, required=False
    )
