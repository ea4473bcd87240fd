from django.conf import settings

from dangjian.core.navigation import navigation_for


def shell(request):
    """Values every page of the UI shell needs: site name, menu, care mode."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_items": navigation_for(user) if user is not None else [],
        "care_mode": bool(getattr(user, "care_mode", False)),
    }
