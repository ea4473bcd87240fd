"""Per-request context (IP, request id, user agent) available to services without threading
the request through every call. Set by RequestContextMiddleware; empty in tasks and commands."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    request_id: str = ""
    user_agent: str = ""


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "dangjian_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def activate(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)
