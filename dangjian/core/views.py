from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The personal home page: 'my tasks' from every module (see core.home)."""
    return render(request, "core/home.html")


def _error(request, status: int, template: str):
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    return _error(request, 403, "errors/403.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "errors/404.html")


def server_error(request):
    return _error(request, 500, "errors/500.html")
