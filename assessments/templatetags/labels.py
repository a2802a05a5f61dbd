"""Template filters that show codes as labels: ``{% load labels %}`` (see ``assessments.labels``).

``{{ m.measure|measure_label }}``, ``{{ m.band|band_label:m.measure }}``,
``{{ m.unit|unit_label }}``, ``{{ m.value|plain_decimal }}``,
``{{ a.recommendation|recommendation_label }}``, ``{{ a.outcome_floor|outcome_label }}``,
``{{ c.kind|control_label }}``, ``{{ f.class|flag_label:f.measure }}``,
``{{ e.kind|timeline_kind_label }}``, ``{{ e.status|code_label }}``,
``{{ case.status|case_status_label }}``, ``{{ event.action|audit_action_label }}``,
``{{ event.target_label|audit_target_label }}``.
"""

from __future__ import annotations

from typing import Any

from django import template

from assessments import labels

register = template.Library()


@register.filter
def measure_label(code: str) -> Any:
    return labels.measure_label(code)


@register.filter
def band_label(band: str | None, measure: str = "") -> Any:
    return labels.band_label(band, measure)


@register.filter
def unit_label(code: str | None) -> Any:
    return labels.unit_label(code)


@register.filter
def plain_decimal(value: Any) -> Any:
    return labels.plain_decimal(value)


@register.filter
def recommendation_label(code: str | None) -> Any:
    return labels.recommendation_label(code)


@register.filter
def outcome_label(code: str | None) -> Any:
    return labels.outcome_label(code)


@register.filter
def control_label(code: str | None) -> Any:
    return labels.control_label(code)


@register.filter
def flag_label(cls: str, measure: str) -> str:
    return labels.flag_label(cls, measure)


@register.filter
def timeline_kind_label(code: str) -> Any:
    return labels.timeline_kind_label(code)


@register.filter
def code_label(code: Any) -> Any:
    return labels.code_label(code)


@register.filter
def case_status_label(code: str) -> Any:
    return labels.case_status_label(code)


@register.filter
def audit_action_label(code: str) -> Any:
    return labels.audit_action_label(code)


@register.filter
def audit_target_label(label: str) -> str:
    return labels.audit_target_label(label)
