"""Structured logging (structlog over the standard library), JSON lines on stdout.

Every line carries the request id from the request context. Processors never render request
objects, POST data or local variables, so health values cannot reach the log through them.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

from healthcheck.core import context

# Attributes that the standard library and Django attach to log records and that could carry
# request bodies; they are dropped before rendering.
_DROPPED_KEYS = ("request", "_record", "_from_structlog")


def add_request_context(
    logger: Any, method_name: str, event_dict: dict[str, Any]
) -> dict[str, Any]:
    ctx = context.current()
    if ctx.request_id:
        event_dict.setdefault("request_id", ctx.request_id)
    return event_dict


def drop_unsafe(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in _DROPPED_KEYS:
        event_dict.pop(key, None)
    return event_dict


FOREIGN_PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    add_request_context,
]

# Run by the stdout handler's formatter on every record: tracebacks are rendered as text (500s
# are logged with theirs), unsafe keys are dropped, then one JSON line is written.
FORMATTER_PROCESSORS = [
    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
    drop_unsafe,
    structlog.processors.format_exc_info,
    structlog.processors.JSONRenderer(ensure_ascii=False),
]


def configure() -> None:
    """Route structlog loggers through the standard library (configured by LOGGING)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            add_request_context,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


logging.captureWarnings(True)
configure()
