"""Forms of the core app: login with an optional second factor, TOTP verification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp.forms import OTPTokenForm


class VerifyTokenForm(OTPTokenForm):
    """Second step of login: the 6-digit code of the user's TOTP device."""

    def __init__(self, user: Any, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, request, *args, **kwargs)
        self.fields["otp_token"].label = _("Verification code")
        self.fields["otp_token"].widget = forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        )
        self.fields["otp_device"].widget = forms.HiddenInput()
