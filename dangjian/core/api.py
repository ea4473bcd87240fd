"""API base pieces shared by every viewset: authentication, the scoped queryset, error format.

This module is named in settings.REST_FRAMEWORK, which DRF resolves while `rest_framework.views`
is still importing; so nothing here may import `rest_framework.views`, `generics` or `viewsets`
at module level. Hence a mixin rather than a base class:

    class OrgViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet): ...

Every error answer has one of two shapes:
- 400: ``{"errors": {"field": ["message", ...], "non_field_errors": [...]}}`` — whether the
  error came from a serializer, a service's Django ``ValidationError`` or a ``RuleError``;
- anything else: ``{"detail": "message"}`` (401, 404 — which also covers "out of your scope" —,
  405, 429…).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.settings import api_settings

from dangjian.rules import RuleError

NOT_FOUND = _("Not found, or you have no access to it.")


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth that answers 401 (not 403) to anonymous requests, with a WWW-Authenticate."""

    def authenticate_header(self, request):
        return "Session"


class ScopedViewSetMixin:
    """For viewsets of org-owned resources: the queryset is always `restrict(user, action)`.

    Reads use `view_action`, writes `manage_action`, so an object outside the caller's scope
    answers 404 exactly like a missing one. Subclasses set `queryset` (or override
    `base_queryset`) and the two action codes.
    """

    view_action: str = ""
    manage_action: str = ""

    def base_queryset(self):
        return self.queryset.all()

    def scope_action(self) -> str:
        return self.view_action if self.request.method in SAFE_METHODS else self.manage_action

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no scope
            return self.base_queryset().none()
        return self.base_queryset().restrict(self.request.user, self.scope_action())


def _as_lists(detail) -> dict:
    """DRF error detail → {field: [messages]}; a bare list becomes non_field_errors."""
    if isinstance(detail, dict):
        return {
            key: value if isinstance(value, (list, dict)) else [value]
            for key, value in detail.items()
        }
    if not isinstance(detail, list):
        detail = [detail]
    return {api_settings.NON_FIELD_ERRORS_KEY: detail}


def _django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if key == "__all__" else key): messages
            for key, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    """Map service and rule errors to 400, scope misses to 404, keep DRF's 401/403/405…"""
    if isinstance(exc, DjangoValidationError):
        return Response({"errors": _django_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RuleError):
        errors = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (Http404, exceptions.NotFound)):
        exc = exceptions.NotFound(NOT_FOUND)
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": _as_lists(exc.detail)}
    return response
