from django.conf import settings
from django.utils.functional import SimpleLazyObject

from dangjian.core.navigation import navigation_for


def shell(request):
    """Values every page of the UI shell needs: site name, menu, care mode.

    The menu is computed lazily, only when a template actually uses it (htmx fragments don't).
    """
    user = getattr(request, "user", None)
    path = getattr(request, "path", "")
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_items": SimpleLazyObject(
            lambda: navigation_for(user, path) if user is not None else []
        ),
        "care_mode": SimpleLazyObject(lambda: bool(getattr(user, "care_mode", False))),
    }
