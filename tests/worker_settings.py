"""Settings of the Celery worker that worker tests start: the suite's, with the real broker.

The test process passes the broker URL and the name of pytest-django's test database; the worker
connects to exactly that database (under every alias that points at the default one), so it
sees the rows the test committed.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

CELERY_BROKER_URL = os.environ["HC_WORKER_BROKER_URL"]
CELERY_TASK_ALWAYS_EAGER = False
_DEFAULT_NAME = DATABASES["default"]["NAME"]
for _alias in DATABASES.values():
    if _alias["NAME"] == _DEFAULT_NAME:
        _alias["NAME"] = os.environ["HC_WORKER_DATABASE_NAME"]
        _alias["CONN_MAX_AGE"] = 0
        if "postgresql" in _alias["ENGINE"]:
            _alias.setdefault("OPTIONS", {})["application_name"] = "hc-test-worker"
