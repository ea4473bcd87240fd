"""Detail page, unmasking, create / edit, stage changes and the record sets."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as, make_user
from dangjian.members.models import Person, PostHeld, StageChange
from dangjian.members.record_services import post_add, post_delete, post_update
from dangjian.members.tests.conftest import id_number


def detail(person):
    return reverse("members:person_detail", args=[person.pk])


@pytest.fixture
def secretary(client, personas):
    login_as(client, personas.secretary_a)
    return client


@pytest.fixture
def zhang(make_person):
    return make_person(name="张三", phone="13812345678", address="北京市东城区某街道1号")


def test_detail_masks_sensitive_values_and_offers_show(secretary, zhang):
    body = secretary.get(detail(zhang)).content.decode()
    assert zhang.id_number not in body
    assert "13812345678" not in body
    assert reverse("members:person_reveal", args=[zhang.pk, "id_number"]) in body


def test_unmasking_returns_the_value_and_is_audited(secretary, zhang):
    url = reverse("members:person_reveal", args=[zhang.pk, "id_number"])
    response = secretary.post(url, HTTP_HX_REQUEST="true")
    assert zhang.id_number in response.content.decode()
    event = AuditEvent.objects.get(action="members.unmask")
    assert event.target_id == str(zhang.pk)
    assert event.changes["field"] == "id_number"


def test_viewer_without_view_sensitive_gets_no_show_button_and_404_on_reveal(client, tree, zhang):
    viewer = make_user("p_records_org", "组织委员", ("organization_member", tree.branch_a))
    login_as(client, viewer)
    body = client.get(detail(zhang)).content.decode()
    assert "/reveal/" not in body
    url = reverse("members:person_reveal", args=[zhang.pk, "phone"])
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action="members.unmask").exists()


def test_a_member_may_unmask_their_own_record(client, personas, make_person):
    own = make_person(name="李党员", user=personas.member_a, phone="13900001111")
    login_as(client, personas.member_a)
    assert "/reveal/" in client.get(detail(own)).content.decode()
    response = client.post(reverse("members:person_reveal", args=[own.pk, "phone"]))
    assert "13900001111" in response.content.decode()
    assert AuditEvent.objects.get(action="members.unmask").changes["own_record"] is True


def test_secretary_gets_404_on_another_branch(secretary, make_person, tree):
    other = make_person(name="赵六", branch=tree.branch_c)
    record = post_add(actor=None, person=other, organization="供电", post="班长",
                      start=date(2020, 1, 1))  # fmt: skip
    urls = [
        detail(other),
        reverse("members:person_edit", args=[other.pk]),
        reverse("members:person_stage", args=[other.pk]),
        reverse("members:record_add", args=[other.pk, "posts"]),
        reverse("members:record_edit", args=["posts", record.pk]),
        reverse("members:record_delete", args=["posts", record.pk]),
    ]
    for url in urls:
        assert secretary.get(url).status_code == 404, url
    assert (
        secretary.post(reverse("members:person_reveal", args=[other.pk, "id_number"])).status_code
        == 404
    )
    assert (
        secretary.post(reverse("members:record_delete", args=["posts", record.pk])).status_code
        == 404
    )
    assert PostHeld.objects.filter(pk=record.pk).exists()


def test_member_cannot_edit_their_own_record(client, personas, make_person):
    own = make_person(name="李党员", user=personas.member_a)
    login_as(client, personas.member_a)
    assert client.get(reverse("members:person_edit", args=[own.pk])).status_code == 404
    assert client.get(reverse("members:person_create")).status_code == 404


def _form_data(tree, **overrides):
    birth = date(1990, 5, 4)
    data = {
        "name": "孙新", "sex": "F", "ethnicity": "01", "birth_date": "1990-05-04",
        "id_number": id_number(birth, "F", seq=77), "branch": tree.branch_a.pk,
        "party_group": tree.group_a.pk, "stage": "full", "join_date": "2015-07-01",
        "full_member_date": "2016-07-01", "probation_extension_months": "0",
        "standing": "normal", "phone": "13700000000",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_create_a_record(secretary, tree):
    response = secretary.post(reverse("members:person_create"), _form_data(tree))
    person = Person.objects.get(name="孙新")
    assert response.status_code == 302 and response["Location"] == detail(person)
    assert person.party_group == tree.group_a and person.phone == "13700000000"


def test_bad_input_gives_field_errors_and_keeps_the_input(secretary, tree):
    data = _form_data(tree, birth_date="1991-05-04", address="上海市某路")
    response = secretary.post(reverse("members:person_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "birth_date" in form.errors
    body = response.content.decode()
    assert "上海市某路" in body and 'value="1991-05-04"' in body
    assert not Person.objects.filter(name="孙新").exists()


def test_a_ten_thousand_character_name_is_rejected_cleanly(secretary, tree):
    response = secretary.post(
        reverse("members:person_create"), _form_data(tree, name="长" * 10_000)
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_branch_choices_are_the_actors_branches(secretary, tree):
    response = secretary.post(
        reverse("members:person_create"), _form_data(tree, branch=tree.branch_c.pk)
    )
    assert "branch" in response.context["form"].errors
    assert not Person.objects.filter(name="孙新").exists()


def test_party_group_options_follow_the_branch(secretary, tree):
    url = reverse("members:party_group_options")
    assert tree.group_a.name in secretary.get(url, {"branch": tree.branch_a.pk}).content.decode()
    assert tree.group_a.name not in secretary.get(url, {"branch": "x"}).content.decode()


def test_edit_without_view_sensitive_leaves_hidden_values_unchanged(client, tree, zhang):
    editor = make_user("p_records_org2", "组织委员", ("organization_member", tree.branch_a))
    login_as(client, editor)
    url = reverse("members:person_edit", args=[zhang.pk])
    page = client.get(url).content.decode()
    assert zhang.id_number not in page and "13812345678" not in page
    data = _form_data(tree, name="张三丰", id_number="", phone="", birth_date="1985-06-15",
                      sex="M", join_date="2010-07-01", full_member_date="2011-07-01")  # fmt: skip
    data.pop("stage")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    zhang.refresh_from_db()
    assert zhang.name == "张三丰" and zhang.phone == "13812345678"
    assert zhang.name_initials == "zsf"


def test_secretary_edit_form_shows_values_unmasked(secretary, zhang):
    page = secretary.get(reverse("members:person_edit", args=[zhang.pk])).content.decode()
    assert zhang.id_number in page


def test_exit_needs_confirmation_and_is_kept_in_history(secretary, zhang):
    url = reverse("members:person_stage", args=[zhang.pk])
    data = {"stage": "died", "on": "2026-01-05", "reason": "病故", "join_date": "2010-07-01",
            "full_member_date": "2011-07-01"}  # fmt: skip
    first = secretary.post(url, data)
    assert first.status_code == 200 and first.context["confirm"]
    zhang.refresh_from_db()
    assert zhang.stage == "full"
    assert secretary.post(url, {**data, "confirm": "1"}).status_code == 302
    zhang.refresh_from_db()
    assert zhang.stage == "died" and not zhang.is_active
    change = StageChange.objects.filter(person=zhang).latest("id")
    assert (change.to_stage, change.on, change.reason) == ("died", date(2026, 1, 5), "病故")


def test_record_set_crud_is_audited(personas, zhang):
    actor = personas.secretary_a
    post = post_add(actor=actor, person=zhang, organization="综采一队", post="班长",
                    start=date(2020, 1, 1))  # fmt: skip
    post_update(actor=actor, record=post, post="队长")
    post_delete(actor=actor, record=post)
    actions = list(AuditEvent.objects.filter(target_id=str(zhang.pk))
                   .values_list("action", flat=True).order_by("seq"))  # fmt: skip
    assert actions[-3:] == [
        "members.postheld.add",
        "members.postheld.update",
        "members.postheld.delete",
    ]
    assert not PostHeld.objects.exists()


def test_record_set_pages_add_edit_and_delete(secretary, zhang):
    add = reverse("members:record_add", args=[zhang.pk, "trainings"])
    bad = secretary.post(add, {"name": "党课", "start": "2024-05-01", "end": "2024-04-01"})
    assert "end" in bad.context["form"].errors
    assert secretary.post(add, {"name": "党课", "start": "2024-05-01"}).status_code == 302
    body = secretary.get(detail(zhang)).content.decode()
    assert "党课" in body and "2024年5月1日" in body
    training = zhang.trainings.get()
    edit = reverse("members:record_edit", args=["trainings", training.pk])
    assert secretary.post(edit, {"name": "党课二", "start": "2024-05-01"}).status_code == 302
    delete = reverse("members:record_delete", args=["trainings", training.pk])
    assert secretary.get(delete).status_code == 200
    assert secretary.post(delete).status_code == 302
    assert not zhang.trainings.exists()


def test_unknown_record_set_is_404(secretary, zhang):
    assert secretary.get(reverse("members:record_add", args=[zhang.pk, "nope"])).status_code == 404


@pytest.mark.parametrize("rows", [1, 10])
def test_detail_query_count_does_not_grow(
    secretary, zhang, django_assert_num_queries, rows, personas
):
    for i in range(rows):
        post_add(actor=None, person=zhang, organization=f"单位{i}", post="班长",
                 start=date(2020, 1, 1))  # fmt: skip
    secretary.get(detail(zhang))
    with django_assert_num_queries(DETAIL_QUERIES):
        secretary.get(detail(zhang))


DETAIL_QUERIES = 13  # … + the development pipeline in progress
