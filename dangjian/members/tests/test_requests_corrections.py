"""Correction requests: a member asks, the branch decides, the record and the log follow."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as, make_user
from dangjian.members.choices import RequestStatus
from dangjian.members.correction_services import (
    branch_managers,
    correction_request_approve,
    correction_request_create,
    correction_request_reject,
    correction_request_withdraw,
)
from dangjian.members.models import CorrectionRequest
from dangjian.notifications.models import Notification

NEW_PHONE = "13912345678"


@pytest.fixture
def member(make_person, personas):
    return make_person(name="李党员", user=personas.member_a, phone="13800138000")


@pytest.fixture
def member_b(make_person, personas, tree):
    return make_person(name="赵党员", branch=tree.branch_b, user=personas.member_b)


def ask_for_new_phone(member, personas, **extra):
    return correction_request_create(
        actor=personas.member_a, person=member, changes={"phone": NEW_PHONE, **extra},
        reason="换了手机号",
    )  # fmt: skip


def test_member_corrects_phone_and_secretary_approves(member, personas):
    request = ask_for_new_phone(member, personas)
    assert NEW_PHONE not in json.dumps(request.changes)
    assert json.loads(request.sensitive_changes)["phone"] == ["13800138000", NEW_PHONE]
    assert Notification.objects.filter(
        recipient=personas.secretary_a, category="members.correction"
    ).exists()

    correction_request_approve(actor=personas.secretary_a, request=request)

    member.refresh_from_db()
    request.refresh_from_db()
    assert member.phone == NEW_PHONE
    assert request.status == RequestStatus.APPROVED
    assert request.reviewed_by == personas.secretary_a
    applied = AuditEvent.objects.get(action="members.correction_apply")
    assert applied.changes["phone"] == ["138****8000", "139****5678"]
    told = Notification.objects.get(recipient=personas.member_a, category="members.correction")
    assert told.link == reverse("members:me")


def test_no_audit_event_holds_the_new_phone_in_clear(member, personas):
    request = ask_for_new_phone(member, personas)
    correction_request_approve(actor=personas.secretary_a, request=request)
    logged = json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert NEW_PHONE not in logged


def test_ordinary_fields_are_kept_in_clear_changes(member, personas):
    request = correction_request_create(
        actor=personas.member_a, person=member, changes={"work_unit": "综采一队", "job": "班长"},
        reason="岗位调整",
    )  # fmt: skip
    assert request.changes == {"work_unit": ["", "综采一队"], "job": ["", "班长"]}
    assert request.sensitive_changes == ""


def test_reject_needs_a_reason(member, personas):
    request = ask_for_new_phone(member, personas)
    with pytest.raises(ValidationError) as exc:
        correction_request_reject(actor=personas.secretary_a, request=request, reason="  ")
    assert "reason" in exc.value.message_dict
    correction_request_reject(actor=personas.secretary_a, request=request, reason="号码有误")
    request.refresh_from_db()
    member.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert member.phone == "13800138000"
    assert Notification.objects.filter(recipient=personas.member_a, body__contains="号码有误")


def test_member_cannot_request_for_someone_else(member_b, personas):
    with pytest.raises(Http404):
        correction_request_create(
            actor=personas.member_a, person=member_b, changes={"job": "班长"}, reason="x"
        )


def test_member_cannot_change_stage_or_branch_through_a_request(member, personas, tree):
    for changes in ({"stage": "left"}, {"branch": tree.branch_b.pk}, {"join_date": "2012-01-01"}):
        with pytest.raises(ValidationError):
            correction_request_create(
                actor=personas.member_a, person=member, changes=changes, reason="x"
            )
    assert not CorrectionRequest.objects.exists()


def test_the_stage_field_posted_to_the_form_is_ignored(member, personas, client):
    login_as(client, personas.member_a)
    response = client.post(reverse("members:me_correction_create"), {
        "job": "班长", "ethnicity": "01", "stage": "left", "branch": "1", "reason": "岗位调整",
    })  # fmt: skip
    assert response.status_code == 302
    assert set(CorrectionRequest.objects.get().changes) == {"job"}


def test_secretary_of_another_branch_cannot_review(member, personas, tree, client):
    request = ask_for_new_phone(member, personas)
    secretary_b = make_user("sec_b", "钱书记", ("branch_secretary", tree.branch_b))
    with pytest.raises(Http404):
        correction_request_approve(actor=secretary_b, request=request)
    login_as(client, secretary_b)
    for name in ("correction_detail", "correction_approve", "correction_reject"):
        assert client.get(reverse(f"members:{name}", args=[request.pk])).status_code == 404
    assert client.post(reverse("members:correction_approve", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_errors_show_per_field_with_the_input_kept(member, personas, client):
    login_as(client, personas.member_a)
    response = client.post(reverse("members:me_correction_create"), {
        "phone": "call me", "ethnicity": "01", "reason": "",
    })  # fmt: skip
    assert response.status_code == 422
    form = response.context["form"]
    assert "phone" in form.errors and "reason" in form.errors
    assert 'value="call me"' in response.content.decode()


def test_only_one_pending_request_at_a_time_and_withdrawing_frees_it(member, personas):
    request = ask_for_new_phone(member, personas)
    with pytest.raises(ValidationError):
        ask_for_new_phone(member, personas)
    correction_request_withdraw(actor=personas.member_a, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    with pytest.raises(ValidationError):  # a withdrawn request cannot be approved
        correction_request_approve(actor=personas.secretary_a, request=request)
    ask_for_new_phone(member, personas)


def test_a_request_that_changes_nothing_is_refused(member, personas):
    with pytest.raises(ValidationError):
        correction_request_create(
            actor=personas.member_a, person=member, changes={"phone": "13800138000"}, reason="x"
        )


def test_the_nearest_managers_are_told(personas, tree):
    assert branch_managers(tree.branch_a) == [personas.secretary_a]
    assert branch_managers(tree.branch_b) == [personas.committee_admin]


def test_member_sees_their_record_masked_and_can_reveal_their_own_phone(member, personas, client):
    login_as(client, personas.member_a)
    page = client.get(reverse("members:me")).content.decode()
    assert "138****8000" in page and "13800138000" not in page
    shown = client.post(reverse("members:me_reveal"), {"field": "phone"})
    assert shown.status_code == 200 and "13800138000" in shown.content.decode()
    assert AuditEvent.objects.filter(action="members.unmask", actor_id=personas.member_a.pk)


def test_an_account_without_a_record_gets_a_friendly_page(personas, client):
    login_as(client, personas.outsider)
    response = client.get(reverse("members:me"))
    assert response.status_code == 404
    assert (
        "尚未关联党员档案" in response.content.decode() or "not linked" in response.content.decode()
    )


def test_review_queue_shows_masked_values_to_reviewers_without_view_sensitive(
    member, personas, tree, client
):
    request = ask_for_new_phone(member, personas)
    organizer = make_user("org_a", "组织委员", ("organization_member", tree.branch_a))
    login_as(client, organizer)
    page = client.get(reverse("members:correction_detail", args=[request.pk])).content.decode()
    assert "139****5678" in page and NEW_PHONE not in page
    login_as(client, personas.secretary_a)
    page = client.get(reverse("members:correction_detail", args=[request.pk])).content.decode()
    assert NEW_PHONE in page


def test_secretary_approves_and_rejects_through_the_pages(member, personas, client):
    request = ask_for_new_phone(member, personas)
    login_as(client, personas.secretary_a)
    assert client.get(reverse("members:correction_approve", args=[request.pk])).status_code == 200
    response = client.post(reverse("members:correction_reject", args=[request.pk]), {"reason": ""})
    assert response.status_code == 422
    response = client.post(reverse("members:correction_approve", args=[request.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == NEW_PHONE


def test_review_queue_query_count_does_not_grow_with_rows(make_person, personas, tree, client):
    login_as(client, personas.secretary_a)
    url = reverse("members:correction_list")

    def add_requests(n):
        for i in range(n):
            person = make_person(name=f"成员{i}", user=make_user(f"u{i}_{n}", f"成员{i}"))
            correction_request_create(
                actor=person.user, person=person, changes={"job": "班长"}, reason="x"
            )

    add_requests(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_requests(5)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
