"""A declared condition's ICD-10 code must belong to the chapter chosen beside it (E11 is not in
chapter IX, I00-I99): a field error on the code, and nothing is saved."""

from __future__ import annotations

from django.urls import reverse

from clients.forms.declaration import ConditionForm
from clients.models import Declaration, Observation
from tests.clients.forms_data import declaration_post


def test_a_code_outside_the_chosen_chapter_is_a_field_error_and_nothing_is_saved(
    clara, client, client_c, consent_c
):
    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[client_c.public_id])
    data = declaration_post(**{"conditions-0-chapter": "IX", "conditions-0-code": "E11"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'id="error_1_id_conditions-0-code"' in response.content.decode()
    errors = response.context["conditions"].forms[0].errors
    assert "code" in errors and "IV E00–E90" in errors["code"][0]
    assert not Declaration.objects.exists() and not Observation.objects.exists()


def test_a_code_in_the_chosen_chapter_or_without_a_chapter_is_saved(
    clara, client, client_c, consent_c
):
    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[client_c.public_id])
    data = declaration_post(
        **{"conditions-0-chapter": "IX", "conditions-0-code": "i10"}
        | {"conditions-1-code": "E11.9"}
    )
    assert client.post(url, data).status_code == 302
    codes = [c["code"] for c in Declaration.objects.get().conditions]
    assert codes == ["I10", "E11.9"]


def test_the_condition_form_checks_the_chapter_on_its_own():
    form = ConditionForm({"chapter": "IV", "code": "I10", "status": "active", "notes": ""})
    assert not form.is_valid() and "code" in form.errors
    form = ConditionForm({"chapter": "IV", "code": "E11", "status": "active", "notes": ""})
    assert form.is_valid() and form.entry()["code"] == "E11"
