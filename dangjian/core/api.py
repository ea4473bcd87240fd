"""API base pieces: authentication and error format shared by every viewset."""

from rest_framework import authentication
from rest_framework.views import exception_handler as drf_exception_handler


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth that answers 401 (not 403) to anonymous requests, with a WWW-Authenticate."""

    def authenticate_header(self, request):
        return "Session"


def exception_handler(exc, context):
    return drf_exception_handler(exc, context)
