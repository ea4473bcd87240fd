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
    "members.import": _("Imported member records"),
    "members.import_queue": _("Queued a member import"),
    "members.import_report": _("Downloaded an import report"),
    "members.correction_request": _("Requested a record correction"),
    "members.correction_withdraw": _("Withdrew a record correction"),
    "members.correction_approve": _("Approved a record correction"),
    "members.correction_reject": _("Rejected a record correction"),
    "members.correction_apply": _("Applied a record correction"),
    "members.campaign_start": _("Started a verification campaign"),
    "members.campaign_close": _("Closed a verification campaign"),
    "members.verification_confirm": _("Confirmed own record"),
    "transfers.request": _("Requested membership transfer"),
    "transfers.approve": _("Approved membership transfer"),
    "transfers.accept": _("Accepted membership transfer"),
    "transfers.refuse": _("Refused membership transfer"),
    "transfers.cancel": _("Cancelled membership transfer"),
    "transfers.outgoing": _("Recorded outgoing transfer letter"),
    "transfers.incoming": _("Registered incoming transfer"),
    "transfers.mobile_register": _("Registered mobile member"),
    "transfers.mobile_end": _("Ended mobile member registration"),
    "export.users": _("Exported accounts"),
    "export.audit_log": _("Exported the audit log"),
    "export.members": _("Exported member records"),
    "export.members_national": _("Exported member records (national 16-item layout)"),
    "export.member_statistics": _("Exported member statistics"),
    "export.member_quality": _("Exported the data-quality report"),
    "export.organizations": _("Exported organizations"),
    "export.transfers": _("Exported transfers"),
    "export.mobile_members": _("Exported mobile members"),
    "attachments.store": _("Uploaded attachment"),
    "audit.verify": _("Verified the audit chain"),
    "demo.seed": _("Created demo data"),
    "development.start": _("Started member development"),
    "development.step": _("Recorded a development step"),
    "development.exception": _("Recorded a development step as an exception"),
    "development.step_undo": _("Withdrew a development step"),
    "development.attach": _("Added documents to a development step"),
    "orglife.activity_create": _("Planned an activity"),
    "orglife.activity_update": _("Changed an activity"),
    "orglife.activity_publish": _("Published an activity to its attendees"),
    "orglife.activity_cancel": _("Cancelled an activity"),
    "orglife.activity_hold": _("Confirmed an activity was held"),
    "orglife.plan_generate": _("Generated the year's activity plan"),
    "orglife.reply": _("Replied to an activity notice"),
    "orglife.leave_decide": _("Decided a request for leave"),
    "orglife.signin": _("Signed in to an activity"),
    "orglife.attendance_mark": _("Marked a late arrival or early departure"),
    "orglife.minutes_save": _("Wrote activity minutes"),
    "orglife.minutes_sign": _("Signed activity minutes off"),
    "orglife.follow_up_add": _("Added a follow-up item"),
    "orglife.follow_up_done": _("Completed a follow-up item"),
    "orglife.vote_record": _("Recorded a meeting vote"),
    "orglife.ballot_open": _("Opened a democratic-appraisal ballot"),
    "orglife.ballot_cast": _("Cast a democratic-appraisal ballot"),
    "orglife.ballot_close": _("Closed a democratic-appraisal ballot"),
    "orglife.self_assessment": _("Submitted a self-assessment"),
    "orglife.appraisal_decide": _("Recorded an appraisal decision"),
    "orglife.type_save": _("Saved a custom activity type"),
    "orglife.policy_set": _("Set the organizational-life policy"),
    "development.stage_change": _("Changed the development stage of a record"),
    "development.extend": _("Extended probation"),
    "development.stopped": _("Stopped member development"),
    "development.cancelled": _("Cancelled probationary membership"),
    "development.policy": _("Set the development policy"),
    "development.plan": _("Set the admission plan"),
    "export.development": _("Exported the development list"),
    "export.development_dashboard": _("Exported the development overview"),
    "export.development_register": _("Printed a development register"),
    "export.development_checklist": _("Printed a development record"),
    "export.orglife_minutes": _("Printed activity minutes"),
    "export.orglife_attendance": _("Exported an activity's attendance"),
    "export.orglife_signin_sheet": _("Printed a paper sign-in sheet"),
    "export.orglife_register": _("Exported the annual activity register"),
    "export.orglife-activities": _("Exported the activity list"),
    "export.orglife_compliance": _("Exported the compliance heat-map"),
}


RECORD_VERBS = {"add": _("added"), "update": _("changed"), "delete": _("deleted")}


def action_label(code: str) -> str:
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    app_label, _dot, rest = code.partition(".")
    model_name, _dot, verb = rest.partition(".")
    if verb in RECORD_VERBS:  # record-set codes: members.training.add → 培训情况：新增
        from django.apps import apps

        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return code
        return f"{model._meta.verbose_name}：{RECORD_VERBS[verb]}"
    if code.startswith("export."):
        return str(_("Export: %(list)s")) % {"list": code.removeprefix("export.")}
    return code
