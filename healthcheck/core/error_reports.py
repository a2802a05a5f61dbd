"""Error reports that carry no health data: Django's debug page and error e-mails.

Django's ``SafeExceptionReporterFilter`` hides only what a view marks with
``sensitive_variables`` / ``sensitive_post_parameters``, and only when ``DEBUG`` is off. In this
product almost any frame may hold a decrypted value or an uploaded health file (a FHIR bundle
being parsed, a declaration being saved), and the embedded profile that ``make run`` uses serves
the debug page. So every profile masks, in every report: the local variables of every frame,
every POST value and every uploaded file's name. Tracebacks (files, lines, code) stay, which is
what a developer needs to find the fault.
"""

from __future__ import annotations

from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter


class HealthDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Masks all frame variables and POST values, whatever ``DEBUG`` says."""

    def is_active(self, request: Any) -> bool:
        return True

    def get_post_parameters(self, request: Any) -> dict[str, str]:
        if request is None:
            return {}
        return {name: self.cleansed_substitute for name in request.POST}

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> list[tuple[str, str]]:
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class HealthDataExceptionReporter(ExceptionReporter):
    """Django's reporter without the names of uploaded files (a file name can name a client)."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if "request_FILES_items" in data:
            masked = self.filter.cleansed_substitute
            data["request_FILES_items"] = [(name, masked) for name in self.request.FILES]
        return data
