"""Per-request context (request id, client IP, user agent) carried in ContextVars.

Middleware sets it for web requests; tasks and commands run without it. Audit and logging read it,
so they never need the request object.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "healthcheck_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, immutable
)


def current() -> RequestContext:
    """The context of the request being served, or an empty one outside requests."""
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
