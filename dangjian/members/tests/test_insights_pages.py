"""Statistics page: scope, defaults, charts data, export; navigation entries."""

import json
from datetime import date
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.navigation import navigation_for
from dangjian.core.testing import login_as
from dangjian.members.party_statistics import default_as_of

URL = "/members/statistics/"


def test_urls():
    assert reverse("members:statistics") == URL
    assert reverse("members:quality") == "/members/quality/"


def test_page_defaults_to_the_top_of_scope_and_31_december(client, tree, personas, make_person):
    make_person(name="张三", join_date=date(2010, 7, 1))
    login_as(client, personas.committee_admin)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["org"] == tree.group.pk
    assert form.cleaned_data["as_of"] == default_as_of()
    assert response.context["stats"]["total"] == 1
    html = response.content.decode()
    assert 'id="dj-chart-data"' in html and "js/charts.js" in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")
    data = json.loads(
        html.split('id="dj-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert {s["key"] for s in data["sections"]} >= {"sex", "age", "education", "join_era"}


def test_secretary_picks_only_their_branch_and_members_get_404(client, tree, personas):
    login_as(client, personas.secretary_a)
    response = client.get(URL)
    assert [v for v, _ in response.context["form"].fields["org"].choices] == [tree.branch_a.pk]
    outside = client.get(URL + f"?org={tree.branch_c.pk}")
    assert outside.status_code == 200 and outside.context["stats"] is None
    assert outside.context["form"].errors["org"]
    login_as(client, personas.member_a)
    assert client.get(URL).status_code == 404


def test_future_or_malformed_dates_are_form_errors(client, tree, personas):
    login_as(client, personas.committee_admin)
    for value in ("2999-01-01", "1900-01-01", "not-a-date", "2024-02-30"):
        response = client.get(URL + f"?as_of={value}")
        assert response.status_code == 200
        assert response.context["form"].errors["as_of"], value
        assert response.context["stats"] is None


def test_empty_state(client, tree, personas):
    login_as(client, personas.committee_admin)
    response = client.get(URL + f"?org={tree.branch_b.pk}&as_of=2024-12-31")
    assert response.context["stats"]["total"] == 0
    assert "alert" in response.content.decode()


def test_export_has_watermark_sections_and_is_audited(client, tree, personas, make_person):
    make_person(name="张三", sex="F", join_date=date(2010, 7, 1))
    login_as(client, personas.committee_admin)
    response = client.get(URL + f"?org={tree.company.pk}&as_of=2024-12-31&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0].startswith("导出人")
    assert rows[2][0] == tree.company.name
    assert rows[3][2] == 1  # total
    assert any(row[2] == 1 and row[1] in ("女", "Female") for row in rows[4:])
    event = AuditEvent.objects.filter(action="export.member_statistics").latest("seq")
    assert event.org_id == tree.company.pk and event.changes["as_of"] == "2024-12-31"


def test_page_query_count_is_constant(client, tree, personas, make_person):
    login_as(client, personas.committee_admin)
    client.get(URL)

    def run():
        with CaptureQueriesContext(connection) as ctx:
            client.get(URL + "?as_of=2024-12-31")
        return len(ctx.captured_queries)

    make_person(name="甲")
    few = run()
    for i in range(10):
        make_person(name=f"人{i}", branch=tree.branch_b, birth_date=date(1970 + i, 1, 1))
    assert run() == few


def test_navigation_entries_follow_permissions(tree, personas):
    def keys(user):
        return {item["key"] for item in navigation_for(user)}

    assert {"members.statistics", "members.quality"} <= keys(personas.secretary_a)
    assert {"members.statistics", "members.quality"} & keys(personas.member_a) == set()
    assert {"members.statistics", "members.quality"} & keys(personas.system_admin) == set()
