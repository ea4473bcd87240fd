import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dangjian.accounts.models import RoleAssignment, User
from dangjian.audit.services import verify_chain
from dangjian.orgs.models import Organization

ARGS = [
    "--code", "HBNY", "--name", "华北能源集团党委",
    "--system-admin", "sysadmin:张系统",
    "--security-admin", "secadmin:李安全",
    "--audit-admin", "auditadmin:王审计",
]  # fmt: skip


def bootstrap(*args) -> str:
    out = StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bootstrap_creates_the_root_and_three_separate_administrators():
    output = bootstrap(*ARGS)
    root = Organization.objects.get(parent__isnull=True)
    assert (root.code, root.kind) == ("HBNY", "committee")
    held = dict(RoleAssignment.objects.values_list("user__username", "role__code"))
    assert held == {"sysadmin": "system_admin", "secadmin": "security_admin",
                    "auditadmin": "audit_admin"}  # fmt: skip
    password = re.search(r"sysadmin\s+temporary password: (\S+)", output).group(1)
    admin = User.objects.get(username="sysadmin")
    assert admin.check_password(password)
    assert admin.must_change_password
    assert verify_chain() is None


@pytest.mark.django_db
def test_bootstrap_refuses_a_second_run():
    bootstrap(*ARGS)
    with pytest.raises(CommandError, match="already"):
        bootstrap(*ARGS)
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_bootstrap_refuses_one_account_for_two_administrator_roles():
    args = [*ARGS]
    args[args.index("auditadmin:王审计")] = "sysadmin:张系统"
    with pytest.raises(CommandError, match="三员"):
        bootstrap(*args)
    assert not Organization.objects.exists()
