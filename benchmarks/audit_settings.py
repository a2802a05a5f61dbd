"""Settings for benchmarks/bench_audit.py: the embedded profile on the benchmark's PostgreSQL,
with DEBUG off (no query log, cached templates) and the benchmark's extra URLs."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from healthcheck.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.audit_urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "ERROR"  # noqa: F405
LOGGING["loggers"]["django.request"]["level"] = "CRITICAL"  # noqa: F405
