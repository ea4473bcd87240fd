"""Member list: search (name, pinyin, initials, ID, phone), filters, scope, query counts."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.testing import login_as, make_user
from dangjian.members.models import Person
from dangjian.members.selectors import AGE_BANDS, age_band_q
from dangjian.members.tests.conftest import id_number
from dangjian.rules.dates import add_months

URL = "/members/"


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def band_of(age: int) -> str:
    return next(b.key for b in AGE_BANDS if (b.low or 0) <= age <= (b.high or 200))


def names(response) -> set[str]:
    return {p.name for p in response.context["object_list"]}


@pytest.fixture
def people(make_person, tree):
    return {
        "zhang": make_person(name="张三", phone="13812345678"),
        "li": make_person(name="李四", birth_date=date(1998, 3, 1), sex="F"),
        "wang": make_person(name="王五", branch=tree.branch_b),
        "zhao": make_person(name="赵六", branch=tree.branch_c),
    }


@pytest.fixture
def secretary(client, personas):
    login_as(client, personas.secretary_a)
    return client


@pytest.mark.parametrize("text", ["张三", "张", "zs", "zhangsan", "zhang", "ZS"])
def test_search_finds_zhang_san_by_name_and_pinyin(secretary, people, text):
    assert names(secretary.get(URL, {"q": text})) == {"张三"}


def test_search_by_id_number_is_exact(secretary, people):
    number = people["zhang"].id_number
    assert names(secretary.get(URL, {"q": number.lower()})) == {"张三"}
    assert names(secretary.get(URL, {"q": number[:10]})) == set()


def test_search_by_phone_is_exact(secretary, people):
    assert names(secretary.get(URL, {"q": "13812345678"})) == {"张三"}
    assert names(secretary.get(URL, {"q": "1381234"})) == set()


def test_secretary_sees_own_branch_only(secretary, people):
    assert names(secretary.get(URL)) == {"张三", "李四"}


def test_committee_admin_sees_the_whole_group(client, personas, people):
    login_as(client, personas.committee_admin)
    assert names(client.get(URL)) == {"张三", "李四", "王五", "赵六"}


def test_member_sees_only_their_own_record(client, personas, people, make_person):
    own = make_person(name="李党员", user=personas.member_a)
    login_as(client, personas.member_a)
    assert names(client.get(URL)) == {"李党员"}
    assert client.get(reverse("members:person_detail", args=[own.pk])).status_code == 200
    other = reverse("members:person_detail", args=[people["zhang"].pk])
    assert client.get(other).status_code == 404


def test_filters_by_age_band_and_branch(client, personas, people, tree):
    login_as(client, personas.committee_admin)
    assert names(client.get(URL, {"age": "-30"})) == {"李四"}
    band = band_of(age_on(date(1985, 6, 15), timezone.localdate()))
    assert names(client.get(URL, {"age": band})) == {"张三", "王五", "赵六"}
    assert names(client.get(URL, {"branch": tree.branch_b.pk})) == {"王五"}


def test_secretary_cannot_filter_by_another_branch(secretary, people):
    response = secretary.get(URL, {"branch": people["zhao"].branch_id})
    assert "赵六" not in names(response)


def test_exited_people_are_hidden_unless_asked(client, personas, people, make_person):
    make_person(name="钱七", stage="died")
    login_as(client, personas.committee_admin)
    assert "钱七" not in names(client.get(URL))
    assert names(client.get(URL, {"status": "exited"})) == {"钱七"}
    assert "钱七" in names(client.get(URL, {"status": "all"}))


def test_filters_for_mobile_lost_contact_and_join_era(client, personas, make_person):
    make_person(name="周八", mobile_destination="深圳", lost_contact_since=date(2024, 1, 1))
    make_person(name="吴九", join_date=date(1975, 7, 1), full_member_date=date(1976, 7, 1),
                birth_date=date(1950, 1, 1))  # fmt: skip
    login_as(client, personas.committee_admin)
    assert names(client.get(URL, {"mobile": "1"})) == {"周八"}
    assert names(client.get(URL, {"lost_contact": "1"})) == {"周八"}
    assert names(client.get(URL, {"join_era": "-1978"})) == {"吴九"}


def test_htmx_request_gets_the_results_partial(secretary, people):
    response = secretary.get(
        URL, {"q": "zs"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert response.templates[0].name == "members/person_list_results.html"


def test_phone_is_masked_in_the_list(secretary, people):
    body = secretary.get(URL).content.decode()
    assert "13812345678" not in body
    assert "138****5678" in body


def test_script_in_a_name_is_escaped(secretary, make_person):
    person = make_person(name="<script>alert(1)</script>")
    body = secretary.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    detail = secretary.get(reverse("members:person_detail", args=[person.pk])).content.decode()
    assert "<script>alert(1)</script>" not in detail


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(
    client, personas, make_person, tree, django_assert_num_queries, rows
):
    for i in range(rows):
        make_person(name=f"成员{i}", party_group=tree.group_a,
                    id_number=id_number(date(1985, 6, 15), seq=500 + i))  # fmt: skip
    login_as(client, personas.secretary_a)
    client.get(URL)  # warm caches (session, content types)
    with django_assert_num_queries(QUERIES):
        client.get(URL)


QUERIES = 8  # measured once; must be the same for 3 and 30 rows


def test_nav_entry_shows_for_member_viewers(secretary, people):
    body = secretary.get(URL).content.decode()
    assert "bi-person-vcard" in body


def test_secretary_without_members_view_is_outsider(client, tree, people):
    user = make_user("p_records_emp", "员工", ("employee", tree.branch_a))
    login_as(client, user)
    assert names(client.get(URL)) == set()


def test_age_bands_cut_on_the_birthday(tree, make_person):
    today = timezone.localdate()
    thirty_one_years_ago = add_months(today, -31 * 12)  # clamps 29 February
    turned_31 = make_person(name="甲", birth_date=thirty_one_years_ago)
    still_30 = make_person(name="乙", birth_date=thirty_one_years_ago + timedelta(days=1))
    in_band = set(Person.objects.filter(age_band_q("-30", today)))
    assert still_30 in in_band and turned_31 not in in_band
    assert turned_31 in set(Person.objects.filter(age_band_q("31-35", today)))


def test_a_search_without_a_surname_match_finds_the_given_name(tree, personas, make_person, client):
    make_person(name="王静")
    login_as(client, personas.secretary_a)
    assert names(client.get(URL, {"q": "静"})) == {"王静"}


def test_very_long_lists_say_more_than_the_cap_instead_of_counting_everything(
    tree, personas, make_person, client, monkeypatch
):
    from dangjian.members.views import CappedPaginator, PersonListView

    monkeypatch.setattr(CappedPaginator, "cap", 2)
    monkeypatch.setattr(PersonListView, "paginate_by", 1)
    for name in ("甲一", "甲二", "甲三"):
        make_person(name=name)
    login_as(client, personas.secretary_a)
    html = client.get(URL).content.decode()
    assert "超过 2 条" in html
