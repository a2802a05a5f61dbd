"""In the embedded profile (no broker) an outbox task runs in-process even when no view imported
its module: the eager path discovers task modules as a worker would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: only the modules Django's set-up imports are loaded, as in a web process.
SCRIPT = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "healthcheck.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import transaction
from healthcheck.celery import app
from healthcheck.core import outbox
from healthcheck.core.models import AuditSeal
assert "core.audit_seal_task" not in app.tasks, "precondition: the task module is not loaded"
from healthcheck.core import audit
audit.record(actor="system:test", action="probe.recorded")
with transaction.atomic():
    outbox.enqueue("core.audit_seal_task")

print("seals", AuditSeal.objects.count())
"""


def test_an_eager_outbox_task_runs_although_no_view_imported_its_module(tmp_path):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "HEALTHCHECK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "seals 1" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "eager_task_failed" not in result.stdout + result.stderr
