import uuid

from django.conf import settings

from dangjian.core import context


def client_ip(request) -> str:
    """The client's address, trusting X-Forwarded-For only from the configured proxies."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and records who is asking from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        request.client_ip = client_ip(request)
        token = context.activate(
            context.RequestContext(
                ip=request.client_ip,
                request_id=request.request_id,
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request.request_id
        return response
