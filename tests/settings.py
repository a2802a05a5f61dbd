"""Test settings: the embedded profile with a fast hasher and in-memory mail.

``DATABASE_URL`` (set by CI) selects PostgreSQL; without it the suite runs on SQLite. The suite
runs tasks eagerly; tests that need the real broker and a worker start them explicitly.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault(
    "HEALTHCHECK_VAR_DIR", os.path.join(tempfile.gettempdir(), "healthcheck-test-var")
)
# The real broker URL is kept for the worker tests; the rest of the suite runs tasks eagerly.
TEST_BROKER_URL = os.environ.pop("CELERY_BROKER_URL", "")

from healthcheck.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CELERY_TASK_ALWAYS_EAGER = True
# Test-only models covering every encrypted field type (tests/encryption).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.encryption.testapp"]  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: worker tests run a Celery worker process that must open the same
    # test database. One file per test process, so parallel local runs do not collide.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["HEALTHCHECK_VAR_DIR"], f"test-db-{os.getpid()}.sqlite3")
    }

# The test process's PostgreSQL sessions carry a name, so that the end of the run can tell its
# own leftover connections from anything else's (tests/conftest.py, the session guard).
TEST_RUN_APPLICATION_NAME = "hc-test-run"
for _alias in DATABASES.values():  # noqa: F405
    if "postgresql" in _alias["ENGINE"]:
        _alias.setdefault("OPTIONS", {})["application_name"] = TEST_RUN_APPLICATION_NAME

# Templates of test-only views (tests/urls.py).
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]  # noqa: F405
