import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import User
from dangjian.core.testing import PASSWORD, make_user

LOGIN_URL = "/accounts/login/"


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show for the device now."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


@pytest.fixture
def newcomer(db) -> User:
    """A fresh account with a temporary password and no roles."""
    return User.objects.create_user(
        username="newcomer", password=PASSWORD, name="新同志", must_change_password=True
    )


@pytest.fixture
def member(personas) -> User:
    return personas.member_a


@pytest.fixture
def plain_user(db) -> User:
    """An account with no roles and no temporary password."""
    return make_user("p_plain", "周职工")
