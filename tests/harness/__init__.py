"""Test harness: real services (Redis, a Celery worker, Chromium) started by fixtures."""
