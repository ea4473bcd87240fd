"""Accounts API, included under /api/v1/ by dangjian.api: token sign-in and the current user.

POST auth/token/   username + password (+ otp when the account has two-factor) → token
GET  me/           who am I: roles, permission codes, last sign-in
PATCH me/          {"care_mode": true|false}
"""

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts import services
from dangjian.accounts.selectors import (
    current_assignments,
    user_has_two_factor,
    user_permission_codes,
    user_requires_two_factor,
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=gettext_lazy("Username"), max_length=150)
    password = serializers.CharField(
        label=gettext_lazy("Password"), max_length=256, trim_whitespace=False
    )
    otp = serializers.RegexField(
        r"^\d{6}$",
        label=gettext_lazy("6-digit code"),
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Required when the account has two-factor authentication."),
        error_messages={"invalid": gettext_lazy("Enter the 6 digits of your authenticator.")},
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class LockedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    unlock_at = serializers.DateTimeField()


class TokenView(APIView):
    """Exchange a username and password for an API token. The sign-in lockout applies: after
    too many failures the account or address is locked and the answer (429) says until when."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(
                description="{errors: {field: [messages]}}: missing fields, wrong username or "
                "password (non_field_errors), missing or wrong two-factor code (otp)"
            ),
            403: ErrorSerializer,
            429: LockedSerializer,
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            user = services.login_attempt(
                request=request._request,
                username=values["username"],
                password=values["password"],
                channel="api",
            )
        except services.AccountLocked as exc:
            response = Response(
                {"detail": exc.message, "unlock_at": exc.unlock_at},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(max(int(exc.seconds_left()), 1))
            return response
        # A ValidationError (wrong username or password) propagates: the API's exception
        # handler answers 400 {"errors": {"non_field_errors": [...]}}.
        refusal = self._refusal(user, values.get("otp", ""))
        if refusal is not None:
            return refusal
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @staticmethod
    def _refusal(user, otp: str):
        """The steps a browser sign-in would still demand, checked before a token is issued."""
        if user_has_two_factor(user):
            if not otp:
                raise serializers.ValidationError(
                    {"otp": [_("Enter the 6-digit code from your authenticator app.")]}
                )
            try:
                services.totp_verify(actor=user, token=otp)
            except ValidationError as exc:
                raise serializers.ValidationError({"otp": exc.messages}) from exc
            return None
        if user_requires_two_factor(user):
            return Response(
                {
                    "detail": _(
                        "Your roles require two-factor authentication: set it up by signing "
                        "in on the website first."
                    )
                },
                status=403,
            )
        if user.must_change_password:
            return Response(
                {
                    "detail": _(
                        "Your password is temporary: change it by signing in on the website first."
                    )
                },
                status=403,
            )
        return None


class RoleHeldSerializer(serializers.Serializer):
    role = serializers.CharField(source="role.code")
    role_label = serializers.SerializerMethodField()
    org_id = serializers.IntegerField()
    org_name = serializers.CharField(source="org.name")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)

    def get_role_label(self, assignment) -> str:
        return str(assignment.role.label)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    care_mode = serializers.BooleanField()
    roles = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    last_login = serializers.DateTimeField(
        source="previous_login_at",
        read_only=True,
        help_text=gettext_lazy("The sign-in before the current one (null if none)."),
    )
    last_login_ip = serializers.CharField(source="previous_login_ip", read_only=True)

    @extend_schema_field(RoleHeldSerializer(many=True))
    def get_roles(self, user) -> list[dict]:
        return RoleHeldSerializer(current_assignments(user), many=True).data

    def get_permissions(self, user) -> list[str]:
        return user_permission_codes(user)


class CareModeSerializer(serializers.Serializer):
    care_mode = serializers.BooleanField()


class MeView(APIView):
    """The signed-in user: roles held today, permission codes, the sign-in before this one."""

    @extend_schema(operation_id="me_retrieve", responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        operation_id="me_partial_update", request=CareModeSerializer, responses=MeSerializer
    )
    def patch(self, request):
        data = CareModeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_set_care_mode(
            actor=request.user, care_mode=data.validated_data["care_mode"]
        )
        return Response(MeSerializer(user).data)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
]
