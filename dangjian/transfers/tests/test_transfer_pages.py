from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing import login_as, make_user
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.members.tests.conftest import id_number
from dangjian.transfers import services
from dangjian.transfers.models import MobileRegistration, Transfer, TransferStatus

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    login_as(client, user)
    return client


@pytest.fixture
def person(make_person, tree):
    return make_person(tree.branch_a, name="张三", party_group=tree.group_a)


def test_transfer_through_the_pages_between_two_committees(tree, personas, admins, person):
    secretary = client_for(personas.secretary_a)
    page = secretary.get(reverse("transfers:start") + f"?person={person.pk}")
    assert page.status_code == 200
    assert tree.branch_c.name in page.content.decode()  # branches outside the secretary's scope
    response = secretary.post(
        reverse("transfers:start") + f"?person={person.pk}",
        {"to_branch": tree.branch_c.pk, "reason": "工作调动"},
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:detail", kwargs={"pk": transfer.pk})

    company = client_for(admins.company)
    detail = company.get(reverse("transfers:detail", kwargs={"pk": transfer.pk}))
    assert reverse("transfers:approve", kwargs={"pk": transfer.pk}) in detail.content.decode()
    assert company.get(reverse("transfers:approve", kwargs={"pk": transfer.pk})).status_code == 200
    company.post(reverse("transfers:approve", kwargs={"pk": transfer.pk}))

    other = client_for(admins.other)
    refuse_url = reverse("transfers:refuse", kwargs={"pk": transfer.pk})
    response = other.post(refuse_url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    other.post(reverse("transfers:accept", kwargs={"pk": transfer.pk}))
    transfer.refresh_from_db()
    person.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert person.branch == tree.branch_c
    timeline = other.get(reverse("transfers:detail", kwargs={"pk": transfer.pk})).content.decode()
    assert admins.company.name in timeline and admins.other.name in timeline


def test_a_third_branch_secretary_gets_404(tree, personas, person):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
    )
    third = client_for(make_user("t_sec_b", "冯书记", ("branch_secretary", tree.branch_b)))
    for name in ("detail", "approve", "accept", "refuse", "cancel"):
        url = reverse(f"transfers:{name}", kwargs={"pk": transfer.pk})
        assert third.get(url).status_code == 404
        assert third.post(url).status_code == 404
    assert not third.get(reverse("transfers:list")).context["object_list"]


def test_receiving_secretary_sees_the_transfer_without_buttons(tree, personas, secretary_c, person):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
    )
    page = client_for(secretary_c).get(reverse("transfers:detail", kwargs={"pk": transfer.pk}))
    assert page.status_code == 200
    assert page.context["allowed"] == set()


def test_list_filters_by_direction_status_and_name(tree, personas, secretary_c, make_person):
    out = make_person(tree.branch_a, name="张三")
    services.transfer_request(
        actor=personas.secretary_a, person=out, to_branch=tree.branch_c, reason="调动"
    )
    arriving = make_person(tree.branch_c, name="李四")
    services.transfer_request(
        actor=secretary_c, person=arriving, to_branch=tree.branch_a, reason="调动"
    )
    client = client_for(personas.secretary_a)

    def names(query):
        response = client.get(reverse("transfers:list") + query)
        return sorted(t.person.name for t in response.context["object_list"])

    assert names("") == ["张三", "李四"]
    assert names("?direction=out") == ["张三"]
    assert names("?direction=in") == ["李四"]
    assert names("?q=ls") == ["李四"]
    assert names("?status=accepted") == []


def test_wrong_step_shows_a_message_not_an_error(tree, personas, admins, person):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
    )
    response = client_for(admins.other).post(
        reverse("transfers:accept", kwargs={"pk": transfer.pk})
    )
    assert response.status_code in (302, 404)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REQUESTED


def test_branch_search_finds_branches_of_other_committees(tree, personas):
    response = client_for(personas.secretary_a).get(
        reverse("transfers:branch_search") + "?branch_q=T21"
    )
    assert [b.pk for b in response.context["options"]] == [tree.branch_c.pk]


def test_person_picker_finds_members_by_initials(tree, personas, person):
    response = client_for(personas.secretary_a).get(reverse("transfers:start") + "?q=zs")
    assert [p.pk for p in response.context["person_matches"]] == [person.pk]


def test_outgoing_page_records_the_letter(tree, personas, person):
    url = reverse("transfers:outgoing") + f"?person={person.pk}"
    client = client_for(personas.secretary_a)
    bad = client.post(url, {"external_org": "某市委组织部", "letter_number": "",
                            "issued_on": "2026-01-10"})  # fmt: skip
    assert bad.status_code == 200 and bad.context["form"].errors["letter_number"]
    assert bad.context["form"]["external_org"].value() == "某市委组织部"
    client.post(url, {"external_org": "某市委组织部", "letter_number": "组转〔2026〕1号",
                      "issued_on": "2026-01-10"})  # fmt: skip
    person.refresh_from_db()
    assert person.stage == Stage.TRANSFERRED_OUT


def test_incoming_page_registers_the_person(tree, personas):
    client = client_for(personas.secretary_a)
    data = {
        "branch": tree.branch_a.pk, "name": "王五", "sex": "M", "ethnicity": "01",
        "birth_date": "1988-04-02", "id_number": id_number(date(1988, 4, 2), "M", seq=9),
        "stage": "full", "join_date": "2012-06-01", "full_member_date": "2013-06-01",
        "external_org": "某县委组织部", "letter_number": "组转〔2026〕8号",
        "issued_on": "2026-02-01",
    }  # fmt: skip
    response = client.post(reverse("transfers:incoming"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Person.objects.get(name="王五").branch == tree.branch_a
    data["id_number"] = "110105199001010000"
    data["name"] = "赵六"
    bad = client.post(reverse("transfers:incoming"), data)
    assert bad.status_code == 200 and "id_number" in bad.context["form"].errors


def test_mobile_pages(tree, personas, person):
    client = client_for(personas.secretary_a)
    url = reverse("transfers:mobile_register") + f"?person={person.pk}"
    response = client.post(url, {"destination": "广东省深圳市", "starts_on": "2026-01-01"})
    assert response.status_code == 302
    listing = client.get(reverse("transfers:mobile"))
    (registration,) = listing.context["object_list"]
    end = reverse("transfers:mobile_end", kwargs={"pk": registration.pk})
    assert client.get(end).status_code == 200
    client.post(end)
    assert MobileRegistration.objects.get().ended_at is not None
    assert not client.get(reverse("transfers:mobile")).context["object_list"]


def test_home_panel_lists_transfers_awaiting_the_committee(tree, personas, admins, person):
    services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
    )
    home = client_for(admins.company).get("/")
    assert "transfers.awaiting" in [p["key"] for p in home.context["panels"]]
    assert "transfers.awaiting" not in [
        p["key"] for p in client_for(admins.other).get("/").context["panels"]
    ]


def test_list_pages_query_count_does_not_grow_with_rows(tree, personas, make_person):
    client = client_for(personas.secretary_a)

    def count_queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        for _ in range(n):
            person = make_person(tree.branch_a)
            services.transfer_request(
                actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
            )
            services.mobile_register(
                actor=personas.secretary_a, person=person, destination="北京",
                starts_on=date(2026, 1, 1),
            )  # fmt: skip

    add(1)
    count_queries(reverse("transfers:list"))  # warm up per-process caches
    few = [count_queries(reverse("transfers:list")), count_queries(reverse("transfers:mobile"))]
    add(4)
    many = [count_queries(reverse("transfers:list")), count_queries(reverse("transfers:mobile"))]
    assert many == few
