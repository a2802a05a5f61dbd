"""The healthcheck project package: settings, URLs, WSGI, Celery, and the ground-floor apps."""

from healthcheck.celery import app as celery_app

__all__ = ("celery_app",)
