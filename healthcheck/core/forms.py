"""Forms of the core app: login with an optional second factor, TOTP verification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.forms import OTPTokenForm
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice


def device_label(device: Device) -> str:
    """What the user sees for a device: their authenticator app, or their backup codes."""
    if isinstance(device, StaticDevice):
        return str(_("Backup code"))
    return str(_("Authenticator app"))


class VerifyTokenForm(OTPTokenForm):
    """Second step of login: a code from the user's authenticator app, or a backup code.

    The code is checked against the one device the user chose, never tried on each device in
    turn: a miss on the backup-code device would count as a failure there and throttle it,
    although the user never used it (django-otp #186, case B24).
    """

    otp_device = forms.ChoiceField(label=_("Method"), widget=forms.RadioSelect)

    def __init__(self, user: Any, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, request, *args, **kwargs)
        # Authenticator app first: it is the default; backup codes are for a lost phone.
        devices = sorted(devices_for_user(user), key=lambda d: isinstance(d, StaticDevice))
        choices = [(device.persistent_id, device_label(device)) for device in devices]
        self.fields["otp_device"].choices = choices
        if choices:
            self.fields["otp_device"].initial = choices[0][0]
        # Challenges are for devices that send codes (SMS, e-mail); ours never do.
        del self.fields["otp_challenge"]
        self.fields["otp_token"].label = _("Verification code")
        self.fields["otp_token"].widget = forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True}
        )
