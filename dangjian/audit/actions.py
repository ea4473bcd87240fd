"""Readable names of audit action codes, so auditors read 分配角色, not accounts.role_assign.

Codes stay the stable, searchable key; a code without a label is shown as it is. Exports are
named `export.<list>` and read as 导出.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "accounts.login": _("Signed in"),
    "accounts.login_failed": _("Failed sign-in"),
    "accounts.locked": _("Sign-in locked"),
    "accounts.unlock": _("Sign-in lock released"),
    "accounts.logout": _("Signed out"),
    "accounts.idle_logout": _("Signed out after inactivity"),
    "accounts.password_change": _("Changed password"),
    "accounts.password_reset": _("Reset password"),
    "accounts.2fa_enabled": _("Enabled two-factor authentication"),
    "accounts.2fa_disabled": _("Disabled two-factor authentication"),
    "accounts.2fa_failed": _("Failed two-factor code"),
    "accounts.2fa_reset": _("Reset two-factor authentication"),
    "accounts.care_mode": _("Changed care mode"),
    "accounts.user_create": _("Created account"),
    "accounts.user_deactivate": _("Deactivated account"),
    "accounts.user_reactivate": _("Reactivated account"),
    "accounts.role_assign": _("Assigned role"),
    "accounts.role_revoke": _("Revoked role"),
    "orgs.create": _("Created organization"),
    "orgs.update": _("Changed organization"),
    "orgs.move": _("Moved organization"),
    "orgs.deactivate": _("Deactivated organization"),
    "orgs.committee_add": _("Added committee member"),
    "orgs.committee_update": _("Changed committee member"),
    "orgs.committee_end": _("Ended committee term"),
    "members.create": _("Created member record"),
    "members.update": _("Changed member record"),
    "members.unmask": _("Viewed unmasked personal data"),
    "attachments.store": _("Uploaded attachment"),
    "audit.verify": _("Verified the audit chain"),
    "demo.seed": _("Created demo data"),
}


def action_label(code: str) -> str:
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    if code.startswith("export."):
        return str(_("Export: %(list)s")) % {"list": code.removeprefix("export.")}
    return code
