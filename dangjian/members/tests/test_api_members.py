from datetime import date

import pytest
from rest_framework.test import APIClient

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import make_user
from dangjian.members.models import Person
from dangjian.members.tests.conftest import id_number

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def zhang(make_person, tree):
    return make_person(tree.branch_a, name="张三", phone="13800138000")


@pytest.fixture
def organizer(tree):
    """An organization committee member of branch A: members.view, not view_sensitive."""
    return make_user("t_organizer", "组织委员", ("organization_member", tree.branch_a))


def test_list_masks_for_a_user_without_view_sensitive(organizer, zhang):
    response = api_for(organizer).get("/api/v1/members/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id_number"] != zhang.id_number and "*" in row["id_number"]
    assert row["phone"] == "138****8000"
    assert row["masked"] is True


def test_list_masks_even_for_view_sensitive_and_retrieve_unmasks_with_audit(personas, zhang):
    client = api_for(personas.secretary_a)
    (row,) = client.get("/api/v1/members/").json()["results"]
    assert row["masked"] is True and "*" in row["id_number"]
    record = client.get(f"/api/v1/members/{zhang.pk}/").json()
    assert record["id_number"] == zhang.id_number and record["masked"] is False
    assert AuditEvent.objects.filter(action="members.unmask", target_id=str(zhang.pk)).exists()


def test_retrieve_stays_masked_without_view_sensitive(organizer, zhang):
    record = api_for(organizer).get(f"/api/v1/members/{zhang.pk}/").json()
    assert record["masked"] is True and record["id_number"] != zhang.id_number


def test_filters_and_search_by_pinyin_initials(personas, tree, make_person, zhang):
    make_person(tree.branch_a, name="李四", stage="probationary", full_member_date=None)
    client = api_for(personas.secretary_a)

    def names(query):
        return sorted(r["name"] for r in client.get("/api/v1/members/" + query).json()["results"])

    assert names("?q=zs") == ["张三"]
    assert names("?q=lisi") == ["李四"]
    assert names(f"?q={zhang.id_number}") == ["张三"]
    assert names("?q=13800138000") == ["张三"]
    assert names("?stage=probationary") == ["李四"]
    assert names(f"?branch={tree.branch_a.pk}") == ["张三", "李四"]
    assert names(f"?branch={tree.branch_b.pk}") == []


def test_create_with_a_bad_id_number_gives_field_errors(personas, tree):
    response = api_for(personas.secretary_a).post(
        "/api/v1/members/",
        {"name": "王五", "sex": "M", "birth_date": "1990-01-01", "id_number": "110105199001010000",
         "branch": tree.branch_a.pk, "stage": "employee"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]


def test_create_and_update_go_through_the_services(personas, tree):
    client = api_for(personas.secretary_a)
    birth = date(1990, 1, 1)
    response = client.post(
        "/api/v1/members/",
        {"name": "王五", "sex": "M", "birth_date": "1990-01-01",
         "id_number": id_number(birth, "M", seq=31), "branch": tree.branch_a.pk,
         "stage": "employee"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert AuditEvent.objects.filter(action="members.create", target_id=str(pk)).exists()
    response = client.patch(f"/api/v1/members/{pk}/", {"work_unit": "综采一队"}, format="json")
    assert response.status_code == 200
    assert Person.objects.get(pk=pk).work_unit == "综采一队"
    response = client.patch(f"/api/v1/members/{pk}/", {"branch": tree.branch_c.pk}, format="json")
    assert response.status_code == 400 and "branch" in response.json()["errors"]


def test_out_of_scope_record_is_404(personas, tree, make_person):
    other = make_person(tree.branch_c, name="周七")
    client = api_for(personas.secretary_a)
    assert client.get(f"/api/v1/members/{other.pk}/").status_code == 404
    response = client.patch(f"/api/v1/members/{other.pk}/", {"job": "x"}, format="json")
    assert response.status_code == 404


def test_a_member_sees_their_own_record_unmasked(personas, tree, make_person):
    own = make_person(tree.branch_a, name="李党员", user=personas.member_a)
    client = api_for(personas.member_a)
    assert client.get(f"/api/v1/members/{own.pk}/").json()["id_number"] == own.id_number


def test_statistics_endpoint(personas, tree, make_person):
    make_person(tree.branch_a, name="张三")
    make_person(tree.branch_b, name="李四", sex="F")
    client = api_for(personas.committee_admin)
    response = client.get(f"/api/v1/members/statistics/?org={tree.company.pk}&as_of=2025-12-31")
    assert response.status_code == 200, response.json()
    assert response.json()["total"] == 2
    assert client.get("/api/v1/members/statistics/").status_code == 400
    outside = api_for(personas.secretary_a).get(
        f"/api/v1/members/statistics/?org={tree.branch_c.pk}"
    )
    assert outside.status_code == 404
