"""Done when (issue 4): an organization committee member of branch A, with the group committee
administrator for the committee's own steps, takes one person from the written application to
full membership through the pages alone — the same forms a branch secretary fills in.

Every step with an earliest allowed date is first tried the day before and must be refused with
the rule's reason and nothing saved; on the earliest day itself it is accepted.
"""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.testing import login_as, make_user
from dangjian.development.models import COMMITTEE_STEPS, Pipeline, PipelineStatus
from dangjian.development.tests.conftest import PASSING_VOTE, PLAN, TRAINING_END
from dangjian.members.choices import Stage
from dangjian.rules.development import probation_end

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
# Steps whose first allowed day comes from a rule (not only from the step before), and the
# reason the refusal must give the day before.
EARLIEST = {
    "candidate": "确定为入党积极分子（2023年6月1日）后须经12个月以上培养教育",
    "conversion_meeting": "早于最早允许日期2025年8月10日",
}


def signed_in(user) -> Client:
    client = Client()
    login_as(client, user)
    return client


def form_data(step: str, on: date, tree, full_members) -> dict:
    """What a user types into the step's form in the lawful PLAN."""
    data = {"on": on.isoformat(), "responsible": "支部委员会", "note": f"{step}已办理"}
    if step == "training_start":
        data["end_on"] = TRAINING_END.isoformat()
    if step in ("contacts_assigned", "introducers"):
        data["people"] = [p.pk for p in full_members]
    if step in ("pre_review", "approval", "conversion_approval"):
        data["approving_org"] = tree.company.pk
    if step in ("branch_meeting", "conversion_meeting"):
        data.update(PASSING_VOTE)
    return data


def test_a_person_is_walked_from_application_to_full_member_through_the_forms(
    make_person, full_members, tree, personas
):
    organizer = signed_in(make_user("walk_org", "高组织", ("organization_member", tree.branch_a)))
    committee = signed_in(personas.committee_admin)
    # Turns 18 on the day of the application in PLAN.
    person = make_person(name="马青年", birth_date=date(2005, 3, 1), stage="employee",
                         join_date=None, full_member_date=None)  # fmt: skip

    # 1. The application: the day before the 18th birthday is refused, the birthday accepted.
    start = reverse("development:start") + f"?person={person.pk}"
    response = organizer.post(start, {"person": person.pk, "on": "2023-02-28"})
    assert response.status_code == 200
    assert "申请入党须年满18周岁" in " ".join(response.context["form"].errors["on"])
    assert not Pipeline.objects.filter(person=person).exists()
    response = organizer.post(start, {"person": person.pk, "on": PLAN["application"].isoformat()})
    pipeline = Pipeline.objects.get(person=person)
    detail = reverse("development:detail", kwargs={"pk": pipeline.pk})
    assert response.status_code == 302 and response["Location"] == detail

    for step in [s for s in PLAN if s != "application"]:
        client = committee if step in COMMITTEE_STEPS else organizer
        address = reverse("development:step", kwargs={"pk": pipeline.pk, "step": step})
        assert address in client.get(detail).content.decode(), f"no button for {step}"
        assert client.get(address).status_code == 200
        if step in EARLIEST:
            early = form_data(step, PLAN[step] - DAY, tree, full_members)
            response = client.post(address, early)
            assert response.status_code == 200, step
            errors = " ".join(response.context["form"].errors["on"])
            assert EARLIEST[step] in errors, errors
            assert early["note"] in response.content.decode()  # the input is kept
            assert not pipeline.steps.filter(step=step).exists()
        response = client.post(address, form_data(step, PLAN[step], tree, full_members))
        assert response.status_code == 302, (step, response.context and response.context[
            "form"].errors)  # fmt: skip
        assert pipeline.steps.filter(step=step, on=PLAN[step]).exists()

    pipeline.refresh_from_db()
    person.refresh_from_db()
    end = probation_end(PLAN["branch_meeting"])
    assert end == date(2025, 8, 10)
    assert pipeline.status == PipelineStatus.COMPLETED and pipeline.ended_on == PLAN["archived"]
    assert person.stage == Stage.FULL and person.full_member_date == end
    assert person.join_date == PLAN["branch_meeting"] and person.introducers == "刘介绍、陈介绍"
    assert pipeline.steps.filter(exception_rules=[]).count() == pipeline.steps.count() == 25
    html = organizer.get(detail).content.decode()
    assert "/steps/" not in html  # closed: nothing more to record or withdraw
