"""The development dashboard, the policy and plan settings (issue 4 §2, §7, §8)."""

import io
from collections import Counter
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as
from dangjian.development import insights
from dangjian.development.models import AdmissionPlan, PipelineStatus, PolicySetting
from dangjian.development.selectors import pipeline_view, policy_for, records_of, timeline_of
from dangjian.development.services import (
    _violation_data,
    pipeline_stop,
    pipelines_evaluate_all,
    plan_set,
    step_record,
)
from dangjian.orgs.models import OrgKind
from dangjian.orgs.services import org_create
from dangjian.rules.development import DEVELOPMENT_2014, check_timeline

DASHBOARD = "/development/dashboard/"
POLICY = "/development/policy/"
PLANS = "/development/plans/"


@pytest.fixture
def newcomer(make_person):
    """make_newcomer(name, branch) -> a non-member who may apply."""
    counter = iter(range(1, 100))

    def make(name: str, branch):
        return make_person(
            name=name, branch=branch, stage="employee", join_date=None, full_member_date=None,
            birth_date=date(1995, 1, next(counter)),
        )  # fmt: skip

    return make


@pytest.fixture
def company_pipelines(walk, newcomer, tree):
    """One pipeline per stage across the company, and one completed:

    applicant (branch A), activist (branch A), candidate (branch B), probationary (branch A,
    admitted 2024), completed (branch B, admitted 2024)."""
    return {
        "applicant": walk(None),
        "activist": walk("activist_assessments", person=newcomer("钱积极", tree.branch_a)),
        "candidate": walk("political_review", person=newcomer("孙对象", tree.branch_b)),
        "probationary": walk("oath", person=newcomer("李预备", tree.branch_a)),
        "completed": walk("archived", person=newcomer("吴转正", tree.branch_b)),
    }


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- dashboard numbers ---------------------------------------------------------------------------


def test_dashboard_counts_match_the_hand_computed_figures(company_pipelines, tree, personas):
    admin = personas.committee_admin
    plan_set(actor=admin, org=tree.company, year=2024, target=10)
    plan_set(actor=admin, org=tree.general_branch, year=2024, target=3)
    plan_set(actor=admin, org=tree.branch_a, year=2024, target=2)  # inside the 3, not added

    data = insights.dashboard(user=admin, org=tree.company, year=2024)

    assert data.counts.stages == {
        "applicant": 1, "activist": 1, "candidate": 1, "probationary": 1,
    }  # fmt: skip
    assert data.counts.active == 4
    assert data.counts.admissions == 2  # the probationary and the completed one
    assert (data.own_target, data.sub_target, data.counts.target) == (10, 3, 10)
    assert data.progress == 20
    averages = {(t.start, t.end): (t.days, t.people) for t in data.transitions}
    assert averages == {
        ("application", "activist"): (92.0, 4),  # 2023-03-01 → 2023-06-01
        ("activist", "candidate"): (366.0, 3),  # 2023-06-01 → 2024-06-01 (leap year)
        ("candidate", "branch_meeting"): (70.0, 2),  # 2024-06-01 → 2024-08-10
        ("branch_meeting", "conversion_approval"): (396.0, 1),  # → 2025-09-10
    }
    units = {u.org.pk: u.counts for u in data.units}
    assert set(units) == {tree.general_branch.pk, tree.branch_b.pk}
    general, branch_b = units[tree.general_branch.pk], units[tree.branch_b.pk]
    assert general.stages == {"applicant": 1, "activist": 1, "candidate": 0, "probationary": 1}
    assert branch_b.stages == {"applicant": 0, "activist": 0, "candidate": 1, "probationary": 0}
    assert (general.admissions, branch_b.admissions) == (1, 1)
    assert (general.target, branch_b.target) == (3, None)
    people = {item.pipeline_id for item in data.overdue}
    assert data.counts.overdue == len(people) == general.overdue + branch_b.overdue
    talk = [i for i in data.overdue if i.pipeline_id == company_pipelines["applicant"].pk]
    assert [(i.step, i.rule, i.limit) for i in talk if i.step == "talk"] == [
        ("talk", "talk_within_limit", date(2023, 4, 1))
    ]
    assert insights.dashboard(user=admin, org=tree.company, year=2023).counts.admissions == 0


def test_dashboard_page_links_every_figure_to_the_filtered_list(
    company_pipelines, client, tree, personas
):
    login_as(client, personas.committee_admin)
    response = client.get(DASHBOARD, {"org": tree.company.pk, "year": 2024})
    assert response.status_code == 200
    html = response.content.decode()
    context = response.context
    stage_urls = {cell["stage"]: cell["url"] for cell in context["stages"]}
    assert query_of(stage_urls["candidate"]) == {
        "stage": "candidate",
        "branch": str(tree.company.pk),
    }
    assert stage_urls["candidate"].startswith(reverse("development:list"))
    assert query_of(context["overdue_url"]) == {"overdue": "1", "branch": str(tree.company.pk)}
    unit = next(u for u in context["units"] if u["org"] == tree.branch_b)
    assert query_of(unit["overdue_url"]) == {"overdue": "1", "branch": str(tree.branch_b.pk)}
    for url in (stage_urls["candidate"], context["overdue_url"], unit["overdue_url"]):
        assert url.replace("&", "&amp;") in html
    # the drill-down really lists those people
    listed = client.get(stage_urls["candidate"])
    assert listed.status_code == 200 and "孙对象" in listed.content.decode()
    detail = reverse("development:detail", args=[company_pipelines["applicant"].pk])
    assert f'href="{detail}"' in html
    assert 'id="dj-chart-data"' in html and "echarts.min.js" in html


def test_branch_secretary_sees_their_branch_only(company_pipelines, client, tree, personas):
    login_as(client, personas.secretary_a)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    data = response.context["data"]
    assert data.org == tree.branch_a  # the highest organization in their scope
    assert data.counts.stages == {
        "applicant": 1, "activist": 1, "candidate": 0, "probationary": 1,
    }  # fmt: skip
    assert [pk for pk, _label, _selected in response.context["picker"]["orgs"]] == [
        tree.branch_a.pk
    ]
    assert "孙对象" not in response.content.decode()
    for org in (tree.company, tree.branch_b, tree.branch_c):
        assert client.get(DASHBOARD, {"org": org.pk}).status_code == 404
    assert client.get(DASHBOARD, {"org": "abc"}).status_code == 404
    assert client.get(DASHBOARD, {"year": "19"}).status_code == 404


def test_dashboard_is_404_without_development_view(client, personas):
    login_as(client, personas.outsider)
    assert client.get(DASHBOARD).status_code == 404


def test_dashboard_export_is_a_spreadsheet_and_audited(company_pipelines, client, tree, personas):
    login_as(client, personas.committee_admin)
    response = client.get(DASHBOARD, {"org": tree.company.pk, "year": 2024, "export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(filename=io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人")
    cells = {(r[0], r[1], r[2]): r[3] for r in rows[2:]}
    assert any(key[1] == "综采党总支" for key in cells)
    overdue = [r for r in rows[2:] if r[2] and "周申请" in r[2]]
    assert overdue  # the applicant's overdue talk is exported
    event = AuditEvent.objects.get(action="export.development_dashboard")
    assert event.org_id == tree.company.pk and event.changes["year"] == 2024


# -- query counts ----------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_branches_or_pipelines(
    walk, newcomer, client, tree, personas, django_assert_num_queries
):
    branches = [tree.branch_a, tree.branch_b] + [
        org_create(actor=None, parent=tree.company, code=f"T1{n}", name=f"测试第{n}党支部",
                   kind=OrgKind.BRANCH, founded_on=date(2010, 7, 1))
        for n in range(3, 6)
    ]  # fmt: skip
    for n, branch in enumerate(branches[:2]):
        walk("talk", person=newcomer(f"甲{n}", branch))
    login_as(client, personas.committee_admin)
    url = f"{DASHBOARD}?org={tree.company.pk}"
    _count_queries(client, url)  # warm the session and caches
    two = _count_queries(client, url)
    for n, branch in enumerate(branches):
        walk(None, person=newcomer(f"乙{n}", branch))
    with django_assert_num_queries(two):
        client.get(url)


# -- overdue list equals the rules over every pipeline ----------------------------------------


def test_dashboard_overdue_list_matches_check_timeline_over_all_pipelines(
    walk, newcomer, client, tree, personas
):
    admin = personas.committee_admin
    pipelines = [
        walk(None),  # talk overdue since 2023
        walk("activist", person=newcomer("甲积极", tree.branch_a)),  # assessments overdue
        walk("pre_review", person=newcomer("乙预审", tree.branch_b)),  # meeting overdue
        walk("branch_meeting", person=newcomer("丙大会", tree.branch_a)),  # approval overdue
        walk("conversion_meeting", person=newcomer("丁转正", tree.branch_b)),
        walk("archived", person=newcomer("戊完成", tree.branch_a)),  # completed
    ]
    stopped = walk("talk", person=newcomer("己终止", tree.branch_b))
    pipeline_stop(actor=admin, pipeline=stopped, on=date(2023, 5, 1), reason="本人撤回申请")
    pipelines_evaluate_all()
    today = timezone.localdate()

    expected, missed, first = set(), Counter(), {}
    for pipeline in [*pipelines, stopped]:
        pipeline.refresh_from_db()
        if pipeline.status != PipelineStatus.ACTIVE:
            continue
        facts = timeline_of(pipeline, records_of(pipeline))
        for v in check_timeline(facts, policy_for(pipeline.person.branch), today=today):
            if _violation_data(v, facts, today)["overdue"]:
                key = (pipeline.pk, v.step, v.rule)
                expected.add(key)
                missed[key] += 1
                first[key] = min(first.get(key, v.limit), v.limit)

    login_as(client, admin)
    response = client.get(DASHBOARD, {"org": tree.group.pk})
    items = response.context["data"].overdue
    shown = {(i.pipeline_id, i.step, i.rule) for i in items}
    assert shown == expected
    assert len(items) == len(expected)  # one item per person, step and rule
    assert {(i.pipeline_id, i.step, i.rule): i.missed for i in items} == missed
    assert {(i.pipeline_id, i.step, i.rule): i.limit for i in items} == first
    assert sum(missed.values()) > len(missed)  # some periodic records missed more than once
    assert len(expected) >= 4
    assert {pk for pk, _s, _r in expected} >= {p.pk for p in pipelines[:4]}
    html = response.content.decode()
    assert html.count('data-testid="overdue-row"') == len(items)
    for pk, step, rule in expected:
        assert f'data-pipeline="{pk}" data-step="{step}" data-rule="{rule}"' in html


# -- policy ------------------------------------------------------------------------------------


def _policy_post(**changes) -> dict:
    data = {
        "name": "某省发展党员工作细则",
        "base": DEVELOPMENT_2014.name,
        "public_notice_working_days": "5",
        "conversion_notice_working_days": "",
        "thought_report_interval_months": "3",
        "political_review_valid_months": "12",
        "branch_meeting_after_pre_review_months": "1",
        "working_day_calendar": "statutory",
        "calendar_fallback": "error",
    }
    return data | changes


@pytest.fixture
def at_application_form(walk, tree, personas):
    """A pipeline waiting for its branch meeting, its candidate notice started 2024-07-22 (Mon)."""
    pipeline = walk("application_form")
    step_record(
        actor=personas.committee_admin, pipeline=pipeline, step="notice_start",
        on=date(2024, 7, 22), responsible="支部委员会",
    )  # fmt: skip
    pipeline.refresh_from_db()
    return pipeline


def test_a_local_notice_changes_the_branch_meeting_window(
    at_application_form, client, tree, personas
):
    pipeline = at_application_form
    assert pipeline.next_step == "branch_meeting"
    assert pipeline.next_earliest == date(2024, 7, 25)  # 2014: right after the form
    login_as(client, personas.committee_admin)

    response = client.post(f"{POLICY}?org={tree.company.pk}", _policy_post(), follow=True)

    assert response.status_code == 200
    assert "某省发展党员工作细则" in response.content.decode()
    assert any("某省发展党员工作细则" in str(m) or tree.company.name in str(m)
               for m in response.context["messages"])  # fmt: skip
    setting = PolicySetting.objects.get(org=tree.company)
    assert setting.data == {
        "base": DEVELOPMENT_2014.name, "name": "某省发展党员工作细则",
        "public_notice_working_days": 5,
    }  # fmt: skip
    pipeline.refresh_from_db()
    # five working days 22–26 July, the meeting from the day after
    assert pipeline.policy_name == "某省发展党员工作细则"
    assert pipeline.next_earliest == date(2024, 7, 27)
    assert pipeline_view(pipeline).next_window.earliest == date(2024, 7, 27)
    assert AuditEvent.objects.filter(action="development.policy", org_id=tree.company.pk).exists()
    # branch A below now shows the company's setting as inherited, the company as its own
    page = client.get(POLICY, {"org": tree.branch_a.pk})
    assert page.context["source"].org == tree.company and page.context["own"] is None
    below = client.get(POLICY, {"org": tree.group.pk}).context["below"]
    assert [item["org"] for item in below] == [tree.company]


def test_a_changed_policy_under_the_national_name_is_refused(client, tree, personas):
    login_as(client, personas.committee_admin)
    response = client.post(
        f"{POLICY}?org={tree.company.pk}", _policy_post(name=DEVELOPMENT_2014.name)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["name"]
    assert any("须为新政策另起名称" in e for e in errors)
    assert response.context["form"]["public_notice_working_days"].value() == "5"  # input kept
    assert not PolicySetting.objects.exists()


def test_reverting_to_the_inherited_policy_asks_first_then_reevaluates(
    at_application_form, client, tree, personas
):
    login_as(client, personas.committee_admin)
    client.post(f"{POLICY}?org={tree.company.pk}", _policy_post())
    url = f"{reverse('development:policy_revert')}?org={tree.company.pk}"
    confirm = client.get(url)
    assert confirm.status_code == 200 and confirm.context["confirm_revert"]
    assert confirm.context["after"] == DEVELOPMENT_2014
    assert PolicySetting.objects.filter(org=tree.company).exists()

    client.post(url)

    assert not PolicySetting.objects.filter(org=tree.company).exists()
    at_application_form.refresh_from_db()
    assert at_application_form.next_earliest == date(2024, 7, 25)
    assert at_application_form.policy_name == DEVELOPMENT_2014.name


def test_policy_page_lists_every_parameter_and_marks_local_rules(client, tree, personas):
    login_as(client, personas.committee_admin)
    response = client.get(POLICY, {"org": tree.company.pk})
    assert response.status_code == 200
    params = {row["name"]: row for row in response.context["parameters"]}
    assert params["minimum_age"]["value"] == 18 and not params["minimum_age"]["local"]
    assert params["public_notice_working_days"]["value"] is None
    assert params["public_notice_working_days"]["local"]
    rules = {rule["code"]: rule["local"] for rule in response.context["rules"]}
    assert rules["thought_report_interval"] and not rules["minimum_age"]
    html = response.content.decode()
    assert 'data-testid="rule-public_notice_candidate"' in html


@pytest.mark.parametrize("persona", ["secretary_a", "member_a", "outsider"])
def test_policy_and_plans_need_development_approve(client, personas, persona):
    login_as(client, getattr(personas, persona))
    for url in (POLICY, PLANS, reverse("development:policy_revert")):
        assert client.get(url).status_code == 404


# -- plans -------------------------------------------------------------------------------------


def test_plans_are_set_read_back_and_audited(client, tree, personas):
    login_as(client, personas.committee_admin)
    url = f"{PLANS}?org={tree.company.pk}&year=2026"
    page = client.get(url)
    assert [row["org"] for row in page.context["rows"]] == [
        tree.company, tree.general_branch, tree.branch_b,
    ]  # fmt: skip
    targets = {f"target_{tree.company.pk}": "12", f"target_{tree.general_branch.pk}": "5",
               f"target_{tree.branch_b.pk}": ""}  # fmt: skip

    response = client.post(url, targets)

    assert response.status_code == 302
    stored = dict(AdmissionPlan.objects.filter(year=2026).values_list("org_id", "target"))
    assert stored == {tree.company.pk: 12, tree.general_branch.pk: 5}
    assert AuditEvent.objects.filter(action="development.plan").count() == 2
    form = client.get(url).context["form"]
    assert form[f"target_{tree.company.pk}"].value() == 12
    data = insights.dashboard(user=personas.committee_admin, org=tree.company, year=2026)
    assert (data.own_target, data.sub_target) == (12, 5)
    client.post(url, targets)  # nothing changed: nothing written or audited again
    assert AuditEvent.objects.filter(action="development.plan").count() == 2


def test_a_negative_plan_keeps_the_input_and_saves_nothing(client, tree, personas):
    login_as(client, personas.committee_admin)
    url = f"{PLANS}?org={tree.company.pk}&year=2026"
    response = client.post(
        url, {f"target_{tree.company.pk}": "8", f"target_{tree.branch_b.pk}": "-1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"target_{tree.branch_b.pk}"]
    assert response.context["form"][f"target_{tree.company.pk}"].value() == "8"
    assert not AdmissionPlan.objects.exists()


def test_plans_refuse_an_unknown_organization_or_year(client, tree, personas):
    login_as(client, personas.committee_admin)
    assert client.get(PLANS, {"org": tree.company.pk, "year": "1999"}).status_code == 404
    assert client.get(PLANS, {"org": 999999}).status_code == 404
