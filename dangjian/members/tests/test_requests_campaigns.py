"""Verification campaigns: start for a subtree, members confirm or correct, progress per branch."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.core.home import panels_for
from dangjian.core.testing import login_as, make_user
from dangjian.members.campaign_services import (
    campaign_close,
    campaign_confirm,
    campaign_progress,
    campaign_start,
)
from dangjian.members.choices import VerificationStatus
from dangjian.members.correction_services import correction_request_create
from dangjian.members.models import VerificationResponse
from dangjian.notifications.models import Notification


@pytest.fixture
def people(make_person, personas, tree):
    """Two in branch A (one is member_a), one in branch B, one in the other company."""
    return {
        "a1": make_person(name="李党员", user=personas.member_a),
        "a2": make_person(name="周党员"),
        "b1": make_person(name="赵党员", branch=tree.branch_b, user=personas.member_b),
        "c1": make_person(name="吴党员", branch=tree.branch_c),
        "gone": make_person(name="郑已故", stage="died"),
    }


def start(actor, org, **extra):
    today = timezone.localdate()
    fields = {"title": "2026年度党员信息核对", "starts_on": today,
              "ends_on": today + timedelta(days=30), **extra}  # fmt: skip
    return campaign_start(actor=actor, org=org, **fields)


def test_campaign_start_creates_responses_for_the_whole_subtree_only(
    people, personas, tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = start(personas.committee_admin, tree.company)
    answered = set(campaign.responses.values_list("person__name", flat=True))
    assert answered == {"李党员", "周党员", "赵党员"}
    assert set(campaign.responses.values_list("status", flat=True)) == {"pending"}
    event = AuditEvent.objects.get(action="members.campaign_start")
    assert event.changes["people"] == 3
    told = set(Notification.objects.filter(category="members.verification")
               .values_list("recipient_id", flat=True))  # fmt: skip
    assert told == {personas.member_a.pk, personas.member_b.pk}


def test_only_a_committee_starts_a_campaign_and_only_in_scope(people, personas, tree):
    with pytest.raises(ValidationError) as exc:
        start(personas.secretary_a, tree.branch_a)
    assert "org" in exc.value.message_dict
    with pytest.raises(Http404):
        start(personas.secretary_a, tree.company)
    with pytest.raises(ValidationError) as exc:
        start(personas.committee_admin, tree.company, ends_on=timezone.localdate() - timedelta(1))
    assert "ends_on" in exc.value.message_dict


def test_confirm_sets_verified_at_and_is_audited(people, personas, tree):
    campaign = start(personas.committee_admin, tree.company)
    campaign_confirm(actor=personas.member_a, campaign=campaign)
    people["a1"].refresh_from_db()
    assert people["a1"].verified_at is not None
    response = campaign.responses.get(person=people["a1"])
    assert response.status == VerificationStatus.CONFIRMED
    assert AuditEvent.objects.filter(action="members.verification_confirm").exists()
    with pytest.raises(ValidationError):  # answered once
        campaign_confirm(actor=personas.member_a, campaign=campaign)


def test_someone_outside_the_campaign_cannot_confirm(people, personas, tree):
    campaign = start(personas.committee_admin, tree.general_branch.parent)
    with pytest.raises(Http404):
        campaign_confirm(actor=personas.outsider, campaign=campaign)


def test_a_closed_campaign_takes_no_more_answers(people, personas, tree):
    campaign = start(personas.committee_admin, tree.company)
    campaign_close(actor=personas.committee_admin, campaign=campaign)
    with pytest.raises(ValidationError):
        campaign_confirm(actor=personas.member_a, campaign=campaign)


def test_correcting_through_a_campaign_marks_the_response_corrected(people, personas, tree):
    campaign = start(personas.committee_admin, tree.company)
    correction_request_create(
        actor=personas.member_a, person=people["a1"], changes={"job": "班长"}, reason="岗位变了",
        campaign=campaign,
    )  # fmt: skip
    response = campaign.responses.get(person=people["a1"])
    assert response.status == VerificationStatus.CORRECTED


def test_progress_counts_are_right_per_branch(people, personas, tree):
    campaign = start(personas.committee_admin, tree.company)
    campaign_confirm(actor=personas.member_a, campaign=campaign)
    correction_request_create(
        actor=personas.member_b, person=people["b1"], changes={"job": "科员"}, reason="x",
        campaign=campaign,
    )  # fmt: skip
    rows, total = campaign_progress(personas.committee_admin, campaign)
    by_branch = {row["branch_id"]: row for row in rows}
    a, b = by_branch[tree.branch_a.pk], by_branch[tree.branch_b.pk]
    assert (a["total"], a["confirmed"], a["corrected"], a["pending"], a["percent"]) == (
        2, 1, 0, 1, 50)  # fmt: skip
    assert (b["total"], b["confirmed"], b["corrected"], b["pending"], b["percent"]) == (
        1, 0, 1, 0, 100)  # fmt: skip
    assert (total["total"], total["done"]) == (3, 2)
    # A branch secretary sees the committee's campaign, but only their own branch.
    rows, total = campaign_progress(personas.secretary_a, campaign)
    assert [row["branch_id"] for row in rows] == [tree.branch_a.pk]


def test_progress_page_query_count_does_not_grow_with_branches(personas, tree, make_person, client):
    from dangjian.orgs.services import org_create

    campaign = start(personas.committee_admin, tree.company)
    login_as(client, personas.committee_admin)
    url = reverse("members:campaign_detail", args=[campaign.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(4):
        branch = org_create(actor=None, parent=tree.company, code=f"T13{i}", name=f"支部{i}",
                            kind="branch")  # fmt: skip
        person = make_person(name=f"成员{i}", branch=branch)
        VerificationResponse.objects.create(campaign=campaign, person=person, branch=branch)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("progress-bar") == 1 + 4 + 0  # overall + 4 new + 0 old
    assert len(many) == len(few)


def test_member_sees_the_home_panel_while_pending_and_confirms_from_my_record(
    people, personas, tree, client, rf
):
    campaign = start(personas.committee_admin, tree.company)
    request = rf.get("/")
    request.user = personas.member_a
    assert "members.verify" in {panel["key"] for panel in panels_for(request)}
    login_as(client, personas.member_a)
    page = client.get(reverse("members:me")).content.decode()
    assert reverse("members:campaign_confirm", args=[campaign.pk]) in page
    response = client.post(reverse("members:campaign_confirm", args=[campaign.pk]))
    assert response.status_code == 302
    request.user = type(personas.member_a).objects.get(pk=personas.member_a.pk)
    assert "members.verify" not in {panel["key"] for panel in panels_for(request)}


def test_secretary_drills_down_to_pending_people_of_their_branch_only(people, personas, tree,
                                                                      client):  # fmt: skip
    campaign = start(personas.committee_admin, tree.company)
    login_as(client, personas.secretary_a)
    url = reverse("members:campaign_branch", args=[campaign.pk, tree.branch_a.pk])
    page = client.get(url).content.decode()
    assert "李党员" in page and "周党员" in page
    other = reverse("members:campaign_branch", args=[campaign.pk, tree.branch_b.pk])
    assert client.get(other).status_code == 404
    assert client.get(reverse("members:campaign_close", args=[campaign.pk])).status_code == 404


def test_committee_admin_closes_the_campaign_after_confirming(people, personas, tree, client):
    campaign = start(personas.committee_admin, tree.company)
    login_as(client, personas.committee_admin)
    url = reverse("members:campaign_close", args=[campaign.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_at is not None


def test_campaign_pages_answer_the_committee_admin(people, personas, tree, client):
    login_as(client, personas.committee_admin)
    assert client.get(reverse("members:campaign_list")).status_code == 200
    response = client.post(reverse("members:campaign_create"), {
        "org": tree.company.pk, "title": "", "starts_on": "2026-01-01", "ends_on": "2025-01-01",
    })  # fmt: skip
    assert response.status_code == 422
    assert "title" in response.context["form"].errors
    member = make_user("plain", "普通党员", ("party_member", tree.branch_a))
    login_as(client, member)
    assert client.get(reverse("members:campaign_list")).status_code == 404
