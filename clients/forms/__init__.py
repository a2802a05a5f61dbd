"""Forms of the clients app (parse and validate only; services do the writing)."""

from clients.forms.client import ClientForm, ClientSearchForm, ReassignForm
from clients.forms.consent import ConsentForm, WithdrawForm
from clients.forms.declaration import (
    BloodPressureFormSet,
    ConditionFormSet,
    DeclarationForm,
    MeasurementsForm,
    QuestionnaireForm,
    to_input,
)

__all__ = [
    "BloodPressureFormSet",
    "ClientForm",
    "ClientSearchForm",
    "ConditionFormSet",
    "ConsentForm",
    "DeclarationForm",
    "MeasurementsForm",
    "QuestionnaireForm",
    "ReassignForm",
    "WithdrawForm",
    "to_input",
]
