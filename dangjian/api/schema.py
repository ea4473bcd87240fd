"""drf-spectacular extensions for our own API classes (imported by dangjian.api.urls, so they
are registered before any schema is generated)."""

from drf_spectacular.authentication import SessionScheme


class DangjianSessionScheme(SessionScheme):
    """Our SessionAuthentication only changes the 401 header: document it as cookie auth."""

    target_class = "dangjian.core.api.SessionAuthentication"
    priority = 0
