"""Route-walker samples of the self-service, correction and campaign routes (merged into
ROUTE_SAMPLES of core/tests/test_routes.py as `Sample(fn, seer=seer)`).

Each object lives in branch C of the other company, so the secretary of branch A must get 404.
The outsider (an employee of branch C) is given a record there so that their own routes
(withdraw a request, confirm a campaign) have someone who may see them.
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.utils import timezone

from dangjian.members.campaign_services import campaign_start
from dangjian.members.correction_services import correction_request_create
from dangjian.members.models import CorrectionRequest, Person, VerificationCampaign
from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number


def _outsider_person(tree, personas) -> Person:
    person = Person.objects.filter(user=personas.outsider).first()
    if person is None:
        birth = date(1990, 3, 8)
        person = person_create(
            actor=None, name="孙职工", sex="F", birth_date=birth,
            id_number=id_number(birth, "F", seq=77), branch=tree.branch_c, user=personas.outsider,
        )  # fmt: skip
    return person


def _request_c(tree, personas) -> dict:
    person = _outsider_person(tree, personas)
    request = CorrectionRequest.objects.filter(person=person, status="pending").first()
    if request is None:
        request = correction_request_create(
            actor=personas.outsider, person=person, changes={"job": "值班员"}, reason="岗位调整"
        )
    return {"pk": request.pk}


def _campaign_c(tree, personas):
    """One open campaign of the other company (samples made in one test share it)."""
    _outsider_person(tree, personas)
    existing = VerificationCampaign.objects.filter(org=tree.other_company, closed_at=None).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    return campaign_start(
        actor=personas.committee_admin, org=tree.other_company, title="供电公司信息核对",
        starts_on=today, ends_on=today + timedelta(days=30),
    )  # fmt: skip


def _campaign(tree, personas) -> dict:
    return {"pk": _campaign_c(tree, personas).pk}


def _campaign_branch(tree, personas) -> dict:
    return {"pk": _campaign_c(tree, personas).pk, "branch_pk": tree.branch_c.pk}


# url name -> (kwargs maker, persona who may see the object)
SAMPLES: dict[str, tuple[Callable, str]] = {
    "members:me_correction_withdraw": (_request_c, "outsider"),
    "members:correction_detail": (_request_c, "committee_admin"),
    "members:correction_approve": (_request_c, "committee_admin"),
    "members:correction_reject": (_request_c, "committee_admin"),
    "members:campaign_detail": (_campaign, "committee_admin"),
    "members:campaign_branch": (_campaign_branch, "committee_admin"),
    "members:campaign_close": (_campaign, "committee_admin"),
    "members:campaign_confirm": (_campaign, "outsider"),
}
