from django.conf import settings


def shell(request):
    """Values every page of the UI shell needs."""
    return {"SITE_NAME": settings.SITE_NAME}
