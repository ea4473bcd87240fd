import pytest
from rest_framework.test import APIClient

from dangjian.core.testing import make_user
from dangjian.transfers.models import TransferStatus

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def person(make_person, tree):
    return make_person(tree.branch_a, name="张三")


def test_transfer_flow_over_the_api(tree, personas, admins, person):
    response = api_for(personas.secretary_a).post(
        "/api/v1/transfers/request/",
        {"person": person.pk, "to_branch": tree.branch_c.pk, "reason": "工作调动"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["status"] == TransferStatus.REQUESTED

    early = api_for(admins.other).post(f"/api/v1/transfers/{pk}/accept/")
    assert early.status_code == 400 and "non_field_errors" in early.json()["errors"]
    assert api_for(admins.company).post(f"/api/v1/transfers/{pk}/approve/").status_code == 200
    refuse = api_for(admins.other).post(f"/api/v1/transfers/{pk}/refuse/", {}, format="json")
    assert refuse.status_code == 400 and "reason" in refuse.json()["errors"]
    accepted = api_for(admins.other).post(f"/api/v1/transfers/{pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    person.refresh_from_db()
    assert person.branch == tree.branch_c
    listed = api_for(admins.other).get("/api/v1/transfers/?status=accepted").json()["results"]
    assert [t["id"] for t in listed] == [pk]


def test_third_branch_gets_404_and_bad_branch_is_400(tree, personas, person):
    client = api_for(personas.secretary_a)
    pk = client.post(
        "/api/v1/transfers/request/",
        {"person": person.pk, "to_branch": tree.branch_c.pk, "reason": "调动"},
        format="json",
    ).json()["id"]
    third = api_for(make_user("t_sec_b", "冯书记", ("branch_secretary", tree.branch_b)))
    assert third.get(f"/api/v1/transfers/{pk}/").status_code == 404
    assert third.post(f"/api/v1/transfers/{pk}/cancel/").status_code == 404
    bad = client.post(
        "/api/v1/transfers/request/",
        {"person": person.pk, "to_branch": tree.company.pk, "reason": "调动"},
        format="json",
    )
    assert bad.status_code == 400 and "to_branch" in bad.json()["errors"]
    assert client.post(f"/api/v1/transfers/{pk}/cancel/").json()["status"] == "cancelled"
