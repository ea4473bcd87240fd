"""The pipeline pages (issue 4 §1, §3–§6): list, start, timeline, step forms, undo, extend,
stop and the home panels, driven through the test client as the personas would."""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.attachments.tests.samples import png
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as, make_user
from dangjian.development.models import Pipeline, PipelineStatus, StepRecord
from dangjian.development.services import pipeline_evaluate, pipeline_start, step_record
from dangjian.development.tests.conftest import PLAN, step_kwargs
from dangjian.rules.dates import add_months
from dangjian.rules.development import RULES

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def client_for(user) -> Client:
    client = Client()
    login_as(client, user)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"development:{name}", kwargs=kwargs)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def state_of(html: str, step: str) -> str:
    match = re.search(rf'id="step-{step}" data-state="(\w+)"', html)
    assert match, f"no timeline row for {step}"
    return match.group(1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def newcomer(make_person):
    """A second applicant-to-be of branch A (born 1996, so any recent date is lawful)."""
    return make_person(
        name="吴积极", birth_date=date(1996, 2, 3), stage="employee", join_date=None,
        full_member_date=None,
    )  # fmt: skip


@pytest.fixture
def recent(personas, newcomer, today):
    """The newcomer's pipeline, the application received 20 days ago (talk due, not late)."""
    return pipeline_start(
        actor=personas.committee_admin, person=newcomer, applied_on=today - 20 * DAY
    )


@pytest.fixture
def secretary(personas):
    return client_for(personas.secretary_a)


@pytest.fixture
def admin(personas):
    return client_for(personas.committee_admin)


# -- the list ----------------------------------------------------------------------------------


def test_list_searches_filters_and_exports_with_an_audit_record(
    walk, recent, make_person, tree, personas, secretary, admin
):
    walk("activist")  # 周申请: activist since 2023, assessments overdue
    outside = make_person(
        tree.branch_b, name="郑机关", birth_date=date(1990, 1, 1), stage="employee",
        join_date=None, full_member_date=None,
    )  # fmt: skip
    pipeline_start(actor=personas.committee_admin, person=outside, applied_on=PLAN["application"])

    def names(client, query=""):
        response = client.get(url("list") + query)
        assert response.status_code == 200
        return sorted(p.person.name for p in response.context["object_list"])

    assert names(secretary) == ["吴积极", "周申请"]
    assert names(admin) == ["吴积极", "周申请", "郑机关"]
    assert names(secretary, "?q=周") == ["周申请"]
    assert names(secretary, "?q=WJ") == ["吴积极"]  # pinyin initials
    assert names(secretary, "?overdue=1") == ["周申请"]
    assert names(secretary, "?stage=applicant") == ["吴积极"]
    assert names(secretary, "?stage=activist") == ["周申请"]
    assert names(secretary, "?next_step=talk") == ["吴积极"]
    assert names(admin, f"?branch={tree.branch_b.pk}") == ["郑机关"]
    assert names(admin, f"?branch={tree.company.pk}&q=郑") == ["郑机关"]
    assert names(secretary, f"?branch={tree.branch_b.pk}") == ["吴积极", "周申请"]  # not offered

    html = page(secretary.get(url("list") + "?q=周"))
    detail = url("detail", pk=Pipeline.objects.get(person__name="周申请").pk)
    assert f'href="{detail}"' in html
    assert f'href="{url("start")}"' in html

    response = secretary.get(url("list") + "?q=周&export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "周申请" in cells and "吴积极" not in cells and "综采一队党支部" in cells
    event = AuditEvent.objects.get(action="export.development")
    assert event.actor_id == personas.secretary_a.pk and event.changes["rows"] == 1


def test_list_default_shows_developments_in_progress_and_says_so_when_empty(
    walk, personas, secretary
):
    pipeline = walk()
    response = secretary.get(url("list"))
    assert [p.pk for p in response.context["object_list"]] == [pipeline.pk]
    Pipeline.objects.filter(pk=pipeline.pk).update(status=PipelineStatus.STOPPED)
    response = secretary.get(url("list"))
    assert response.context["object_list"] == [] and not response.context["narrowed"]
    response = secretary.get(url("list") + "?status=all")
    assert [p.pk for p in response.context["object_list"]] == [pipeline.pk]


def test_list_query_count_does_not_grow_with_rows(walk, make_person, personas, secretary):
    walk()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert secretary.get(url("list")).status_code == 200
        return len(queries)

    count()  # the first request of a session does its own bookkeeping
    few = count()
    for i in range(4):
        person = make_person(name=f"新人{i}", birth_date=date(1995, 1, 1 + i), stage="employee",
                             join_date=None, full_member_date=None)  # fmt: skip
        pipeline_start(actor=personas.committee_admin, person=person, applied_on=PLAN["talk"])
    assert count() == few


# -- starting ----------------------------------------------------------------------------------


def test_start_finds_the_person_and_starts_with_the_application_letter(
    applicant, newcomer, recent, tree, secretary, today
):
    html = page(secretary.get(url("start") + "?q=zsq"))  # 周申请 by initials
    assert f"?person={applicant.pk}" in html
    html = page(secretary.get(url("start") + "?q=吴"))
    assert f"?person={newcomer.pk}" not in html  # already being developed
    response = secretary.get(url("start") + f"?person={newcomer.pk}")
    assert response.status_code == 302
    assert response["Location"] == url("detail", pk=recent.pk)

    letter = SimpleUploadedFile("入党申请书.png", png(), content_type="image/png")
    response = secretary.post(
        url("start") + f"?person={applicant.pk}",
        {"person": applicant.pk, "on": (today - 3 * DAY).isoformat(), "responsible": "王书记",
         "note": "本人当面递交", "documents": [letter]},
    )  # fmt: skip
    pipeline = Pipeline.objects.get(person=applicant)
    assert response.status_code == 302 and response["Location"] == url("detail", pk=pipeline.pk)
    application = pipeline.steps.get()
    assert application.on == today - 3 * DAY and application.responsible == "王书记"
    (document,) = application.documents.all()
    assert document.read_permission == "development.view" and document.org == tree.branch_a
    html = page(secretary.get(url("detail", pk=pipeline.pk)))
    assert reverse("attachments:download", args=[document.uid]) in html


def test_start_refuses_an_applicant_under_eighteen_and_keeps_the_input(make_person, secretary):
    young = make_person(name="孙少年", birth_date=date(2009, 6, 1), stage="employee",
                        join_date=None, full_member_date=None)  # fmt: skip
    response = secretary.post(
        url("start") + f"?person={young.pk}",
        {"person": young.pk, "on": "2026-05-31", "note": "共青团推优"},
    )
    html = page(response)
    assert "申请入党须年满18周岁" in " ".join(response.context["form"].errors["on"])
    assert 'value="2026-05-31"' in html and "共青团推优" in html
    assert not Pipeline.objects.filter(person=young).exists()


def test_start_is_404_outside_the_scope(make_person, tree, secretary, personas):
    other = make_person(tree.branch_c, name="孔供电", birth_date=date(1990, 1, 1),
                        stage="employee", join_date=None, full_member_date=None)  # fmt: skip
    assert secretary.get(url("start") + f"?person={other.pk}").status_code == 404
    assert client_for(personas.member_a).get(url("start")).status_code == 404


# -- the timeline ------------------------------------------------------------------------------


def test_timeline_shows_done_overdue_due_and_waiting_steps(
    walk, newcomer, full_members, personas, secretary, today
):
    pipeline = walk("activist")
    html = page(secretary.get(url("detail", pk=pipeline.pk)))
    assert state_of(html, "application") == "done"
    assert state_of(html, "activist") == "done"
    assert state_of(html, "activist_filed") == "due"
    assert state_of(html, "activist_assessments") == "overdue"
    assert state_of(html, "candidate") == "blocked"
    assert "周申请" in html and "综采一队党支部" in html and "发展党员工作细则（2014）" in html
    assert "2023年6月1日" in html  # the activist step's date
    # Branch steps have a "record" button for the secretary; committee steps do not.
    assert url("step", pk=pipeline.pk, step="contacts_assigned") in html
    assert url("step", pk=pipeline.pk, step="activist_filed") not in html
    admin_html = page(client_for(personas.committee_admin).get(url("detail", pk=pipeline.pk)))
    assert url("step", pk=pipeline.pk, step="activist_filed") in admin_html

    admin = personas.committee_admin
    fresh = pipeline_start(actor=admin, person=newcomer, applied_on=today - 40 * DAY)
    for step, ago in (("talk", 35), ("activist", 30), ("activist_filed", 25),
                      ("contacts_assigned", 25)):  # fmt: skip
        extra = {"people": full_members} if step == "contacts_assigned" else {}
        step_record(actor=admin, pipeline=fresh, step=step, on=today - ago * DAY, **extra)
    html = page(secretary.get(url("detail", pk=fresh.pk)))
    assert state_of(html, "candidate") == "waiting"
    earliest = add_months(today - 30 * DAY, 12)
    assert f"{earliest.year}年{earliest.month}月{earliest.day}日" in html
    assert "须满12个月" in html  # the reason of the earliest date


def test_timeline_shows_votes_people_and_periodic_dues(walk, secretary):
    pipeline = walk("oath")
    html = page(secretary.get(url("detail", pk=pipeline.pk)))
    assert "刘介绍" in html and "陈介绍" in html  # contacts and introducers
    assert "测试煤业公司党委" in html  # the approving committee
    meeting = pipeline.steps.get(step="branch_meeting").vote
    assert meeting.result in html
    assert state_of(html, "conversion_application") == "due"
    assert "2025年8月10日" in html  # the end of probation
    assert url("extend", pk=pipeline.pk) not in html  # needs development.approve
    assert url("stop", pk=pipeline.pk) not in html  # cancelling probation needs it too


def test_the_person_sees_their_own_timeline_without_buttons(walk, make_person, tree, personas):
    user = make_user("dev_self", "钱申请", ("employee", tree.branch_a))
    own = make_person(name="钱申请", birth_date=date(1999, 9, 9), stage="employee",
                      join_date=None, full_member_date=None, user=user)  # fmt: skip
    pipeline = walk("talk", person=own)
    html = page(client_for(user).get(url("detail", pk=pipeline.pk)))
    assert "钱申请" in html and state_of(html, "talk") == "done"
    assert "/steps/" not in html and url("stop", pk=pipeline.pk) not in html
    assert client_for(user).get(url("step", pk=pipeline.pk, step="activist")).status_code == 302
    assert not pipeline.steps.filter(step="activist").exists()
    other = client_for(personas.member_a)
    assert other.get(url("detail", pk=pipeline.pk)).status_code == 404
    assert other.get(url("step", pk=pipeline.pk, step="activist")).status_code == 404


def test_out_of_scope_pages_are_404(walk, tree):
    pipeline = walk("talk")
    record = pipeline.steps.get(step="talk")
    stranger = client_for(make_user("dev_sec_b", "冯书记", ("branch_secretary", tree.branch_b)))
    for address in (
        url("detail", pk=pipeline.pk), url("step", pk=pipeline.pk, step="activist"),
        url("undo", pk=record.pk), url("extend", pk=pipeline.pk), url("stop", pk=pipeline.pk),
    ):  # fmt: skip
        assert stranger.get(address).status_code == 404, address
        assert stranger.post(address, {"reason": "x", "on": "2024-01-01"}).status_code == 404
    assert stranger.get(url("list")).context["object_list"] == []
    assert pipeline.steps.count() == 2


# -- recording steps ---------------------------------------------------------------------------


def test_step_form_records_a_step_with_its_documents(recent, secretary, today):
    form = secretary.get(url("step", pk=recent.pk, step="talk"))
    assert "收到入党申请" in page(form)  # the window's reason above the form
    minutes = SimpleUploadedFile("谈话记录.png", png(), content_type="image/png")
    photo = SimpleUploadedFile("谈话照片.png", png(3, 3), content_type="image/png")
    response = secretary.post(
        url("step", pk=recent.pk, step="talk"),
        {"on": (today - 10 * DAY).isoformat(), "responsible": "王书记", "note": "谈话顺利",
         "documents": [minutes, photo]},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url("detail", pk=recent.pk)
    talk = recent.steps.get(step="talk")
    assert talk.on == today - 10 * DAY and talk.responsible == "王书记" and not talk.is_exception
    assert sorted(d.original_name for d in talk.documents.all()) == ["谈话照片.png", "谈话记录.png"]
    html = page(secretary.get(url("detail", pk=recent.pk)))
    assert state_of(html, "talk") == "done" and "谈话顺利" in html and "谈话记录.png" in html


def test_a_too_early_candidate_is_refused_with_the_reason_and_the_input_kept(
    walk, personas, secretary
):
    pipeline = walk("activist_assessments")
    response = secretary.post(
        url("step", pk=pipeline.pk, step="candidate"),
        {"on": "2024-05-31", "responsible": "支部委员会", "note": "群众评议良好"},
    )
    html = page(response)
    errors = " ".join(response.context["form"].errors["on"])
    assert "早于最早允许日期2024年6月1日" in errors
    assert "确定发展对象日期2024年5月31日早于最早允许日期2024年6月1日" in html
    assert 'value="2024-05-31"' in html and "群众评议良好" in html and 'value="支部委员会"' in html
    assert not pipeline.steps.filter(step="candidate").exists()
    # Not even the committee administrator can justify it: the rule makes an admission invalid.
    response = client_for(personas.committee_admin).post(
        url("step", pk=pipeline.pk, step="candidate"),
        {"on": "2024-05-31", "justification": "工作需要"},
    )
    assert not response.context["form"].overridable
    assert not pipeline.steps.filter(step="candidate").exists()


def test_a_late_step_is_recorded_as_an_exception_by_the_committee_admin(walk, admin):
    pipeline = walk()
    address = url("step", pk=pipeline.pk, step="talk")
    response = admin.post(address, {"on": "2023-04-10", "responsible": "组织委员"})
    form = response.context["form"]
    assert form.overridable and response.context["show_justification"]
    assert form.errors["on"][-1] == "如确属特殊情况，请填写书面说明作为例外记录。"
    assert "谈话日期2023年4月10日晚于期限2023年4月1日" in page(response)
    assert not pipeline.steps.filter(step="talk").exists()

    reason = "申请人3月赴外地抢险，4月10日返回后当即谈话。"
    response = admin.post(
        address, {"on": "2023-04-10", "responsible": "组织委员", "justification": reason}
    )
    assert response.status_code == 302
    talk = pipeline.steps.get(step="talk")
    assert talk.exception_rules == ["talk_within_limit"] and talk.justification == reason
    html = page(admin.get(url("detail", pk=pipeline.pk)))
    row = html[html.index('id="step-talk"') :]
    row = row[: row.index("</li>")]
    assert reason in row and RULES["talk_within_limit"] in row and "alert-warning" in row


def test_a_secretary_without_override_sees_the_refusal_and_no_exception_is_saved(walk, secretary):
    pipeline = walk()
    response = secretary.post(
        url("step", pk=pipeline.pk, step="talk"),
        {"on": "2023-04-10", "justification": "想当作例外"},  # not a field of their form
    )
    form = response.context["form"]
    assert "justification" not in form.fields and not form.overridable
    assert form.errors["on"][-1] == "如确属特殊情况，须由有权人员填写书面说明作为例外记录。"
    assert "想当作例外" not in page(response)
    assert not StepRecord.objects.filter(pipeline=pipeline, step="talk").exists()


def test_a_failing_vote_is_refused_on_the_vote_block(walk, full_members, secretary):
    pipeline = walk("application_form")
    address = url("step", pk=pipeline.pk, step="branch_meeting")
    form = secretary.get(address).context["form"]
    assert form["entitled"].value() == len(full_members)  # full members of the branch
    vote = {"entitled": 9, "present": 8, "yes": 4, "no": 4, "abstain": 0}
    response = secretary.post(address, {"on": PLAN["branch_meeting"].isoformat(), **vote})
    html = page(response)
    assert any("表决未通过" in e for e in response.context["form"].vote_errors)
    vote_block = html[html.index('id="vote"') : html.index("</fieldset>", html.index('id="vote"'))]
    assert "表决未通过" in vote_block and 'value="4"' in vote_block
    assert not pipeline.steps.filter(step="branch_meeting").exists()

    passing = {"entitled": 9, "present": 6, "yes": 5, "no": 1, "abstain": 0}
    response = secretary.post(address, {"on": PLAN["branch_meeting"].isoformat(), **passing})
    assert response.status_code == 302
    assert pipeline.steps.get(step="branch_meeting").vote.passed


def test_people_and_approving_organization_are_offered_from_the_branch(
    walk, full_members, tree, admin
):
    pipeline = walk("candidate_filed")
    form = admin.get(url("step", pk=pipeline.pk, step="introducers")).context["form"]
    assert set(form.fields["people"].queryset) == set(full_members)
    response = admin.post(
        url("step", pk=pipeline.pk, step="introducers"),
        {"on": PLAN["introducers"].isoformat(), "people": [full_members[0].pk]},
    )
    assert "入党介绍人应为2名正式党员" in " ".join(response.context["form"].errors["on"])
    response = admin.post(
        url("step", pk=pipeline.pk, step="introducers"),
        {"on": PLAN["introducers"].isoformat(), "people": [p.pk for p in full_members]},
    )
    assert response.status_code == 302
    for step in ("political_review", "training_start", "committee_review"):
        step_record(actor=None, pipeline=pipeline, **step_kwargs(step, tree, full_members))
    address = url("step", pk=pipeline.pk, step="pre_review")
    form = admin.get(address).context["form"]
    orgs = list(form.fields["approving_org"].queryset)
    assert orgs == [tree.general_branch, tree.company, tree.group]  # nearest first
    assert form["approving_org"].value() == tree.company.pk  # a 党总支 cannot approve
    response = admin.post(
        address, {"on": PLAN["pre_review"].isoformat(), "approving_org": tree.general_branch.pk}
    )
    assert response.context["form"].errors["approving_org"]
    assert not pipeline.steps.filter(step="pre_review").exists()


def test_a_recorded_step_cannot_be_opened_again(walk, secretary):
    pipeline = walk("talk")
    response = secretary.get(url("step", pk=pipeline.pk, step="talk"))
    assert response.status_code == 302 and response["Location"] == url("detail", pk=pipeline.pk)
    assert secretary.get(url("step", pk=pipeline.pk, step="no_such_step")).status_code == 404


def test_thought_reports_may_be_recorded_any_time_while_active(walk, secretary):
    pipeline = walk("activist")
    html = page(secretary.get(url("detail", pk=pipeline.pk)))
    address = url("step", pk=pipeline.pk, step="thought_reports")
    assert address in html
    for day in ("2023-08-30", "2023-11-28"):
        assert secretary.post(address, {"on": day}).status_code == 302
    assert pipeline.steps.filter(step="thought_reports").count() == 2


# -- withdrawing, extending, stopping ----------------------------------------------------------


def test_the_latest_entry_is_withdrawn_with_a_reason(walk, secretary):
    pipeline = walk("talk")
    talk = pipeline.steps.get(step="talk")
    html = page(secretary.get(url("detail", pk=pipeline.pk)))
    assert url("undo", pk=talk.pk) in html
    confirm = page(secretary.get(url("undo", pk=talk.pk)))
    assert "2023年3月20日" in confirm
    response = secretary.post(url("undo", pk=talk.pk), {"reason": ""})
    assert response.context["form"].errors["reason"] == ["请填写撤销原因。"]
    assert secretary.post(url("undo", pk=talk.pk), {"reason": "日期录错"}).status_code == 302
    assert not pipeline.steps.filter(step="talk").exists()


def test_extending_and_cancelling_probation_need_the_committee(walk, secretary, admin):
    pipeline = walk("oath")
    assert secretary.get(url("extend", pk=pipeline.pk)).status_code == 302
    assert secretary.get(url("stop", pk=pipeline.pk)).status_code == 302
    html = page(admin.get(url("detail", pk=pipeline.pk)))
    assert url("extend", pk=pipeline.pk) in html and url("stop", pk=pipeline.pk) in html
    response = admin.post(
        url("extend", pk=pipeline.pk),
        {"months": 3, "decided_on": "2025-07-30", "reason": "考察期表现需进一步观察"},
    )
    assert "不少于6个月" in " ".join(response.context["form"].errors["months"])
    response = admin.post(
        url("extend", pk=pipeline.pk),
        {"months": 6, "decided_on": "2025-07-30", "reason": "考察期表现需进一步观察"},
    )
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert pipeline.extension_months == 6
    assert "2026年2月10日" in page(admin.get(url("detail", pk=pipeline.pk)))

    stop = page(admin.get(url("stop", pk=pipeline.pk)))
    assert url("detail", pk=pipeline.pk) in stop
    response = admin.post(url("stop", pk=pipeline.pk), {"on": "2025-12-01", "reason": ""})
    assert response.context["form"].errors["reason"] == ["请填写原因。"]
    response = admin.post(url("stop", pk=pipeline.pk), {"on": "2025-12-01", "reason": "不履行义务"})
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.CANCELLED
    html = page(admin.get(url("detail", pk=pipeline.pk)))
    assert "/steps/" not in html and "不履行义务" in html


def test_a_secretary_stops_the_development_of_an_applicant(recent, secretary, today):
    response = secretary.post(
        url("stop", pk=recent.pk), {"on": today.isoformat(), "reason": "本人撤回申请"}
    )
    assert response.status_code == 302
    recent.refresh_from_db()
    assert recent.status == PipelineStatus.STOPPED and recent.end_reason == "本人撤回申请"
    assert secretary.get(url("stop", pk=recent.pk)).status_code == 302  # already ended


# -- home panels -------------------------------------------------------------------------------


def test_due_panel_lists_overdue_developments_with_constant_queries(
    walk, make_person, personas, secretary
):
    pipeline = walk()  # the talk is overdue since 2023

    def home():
        with CaptureQueriesContext(connection) as queries:
            response = secretary.get(reverse("core:home"))
        return response, len(queries)

    home()  # the first request of a session does its own bookkeeping
    response, few = home()
    (panel,) = [p for p in response.context["panels"] if p["key"] == "development.due"]
    assert [p.pk for p in panel["rows"]] == [pipeline.pk] and panel["count"] == 1
    html = page(response)
    assert url("detail", pk=pipeline.pk) in html and "党组织派人谈话" in html

    def overdue(count: int, start: int) -> None:
        for i in range(start, start + count):
            person = make_person(
                name=f"逾期{i}", birth_date=date(1990, 1, 1 + i), stage="employee",
                join_date=None, full_member_date=None,
            )  # fmt: skip
            pipeline_start(actor=personas.committee_admin, person=person, applied_on=PLAN["talk"])

    overdue(9, 0)
    response, more = home()
    (panel,) = [p for p in response.context["panels"] if p["key"] == "development.due"]
    assert len(panel["rows"]) == 8 and panel["count"] == 10
    assert panel["more_url"] == url("list") + "?overdue=soon"
    assert more == few + 1  # the total is counted once the panel cannot show every row
    overdue(5, 9)
    response, many = home()
    assert many == more
    listed = secretary.get(panel["more_url"]).context["paginator"].count
    assert listed == 15


def test_due_panel_shows_a_deadline_within_14_days_only(newcomer, personas, secretary, today):
    pipeline = pipeline_start(
        actor=personas.committee_admin, person=newcomer, applied_on=today - 5 * DAY
    )  # the talk is due within a month: more than 14 days left

    def keys(client):
        return [p["key"] for p in client.get(reverse("core:home")).context["panels"]]

    assert "development.due" not in keys(secretary)
    pipeline.steps.filter(step="application").update(on=today - 20 * DAY)
    pipeline_evaluate(pipeline)
    assert "development.due" in keys(secretary)
    assert "development.due" not in keys(client_for(personas.member_a))


def test_my_development_panel_shows_the_next_step_and_thought_report(
    walk, make_person, tree, full_members, today
):
    user = make_user("dev_me", "钱申请", ("employee", tree.branch_a))
    own = make_person(name="钱申请", birth_date=date(1999, 9, 9), stage="employee",
                      join_date=None, full_member_date=None, user=user)  # fmt: skip
    pipeline = pipeline_start(actor=None, person=own, applied_on=today - 60 * DAY)
    step_record(actor=None, pipeline=pipeline, step="talk", on=today - 50 * DAY)
    step_record(actor=None, pipeline=pipeline, step="activist", on=today - 40 * DAY)
    response = client_for(user).get(reverse("core:home"))
    (panel,) = [p for p in response.context["panels"] if p["key"] == "development.mine"]
    assert (
        panel["pipeline"].pk == pipeline.pk and panel["next_label"] == "入党积极分子报上级党委备案"
    )
    activist = today - 40 * DAY
    assert panel["thought_report_due"] > today
    assert panel["thought_report_due"] <= activist + 100 * DAY
    html = page(response)
    assert url("detail", pk=pipeline.pk) in html
    stranger = client_for(make_user("dev_none", "李职工", ("employee", tree.branch_a)))
    keys = [p["key"] for p in stranger.get(reverse("core:home")).context["panels"]]
    assert "development.mine" not in keys


def test_documents_arriving_later_are_added_to_the_recorded_step(walk, secretary, personas):
    pipeline = walk("talk")
    talk = pipeline.steps.get(step="talk")
    html = page(secretary.get(url("detail", pk=pipeline.pk)))
    assert url("attach", pk=talk.pk) in html
    empty = secretary.post(url("attach", pk=talk.pk), {})
    assert empty.status_code == 200 and not talk.documents.exists()
    scan = SimpleUploadedFile("谈话记录扫描件.png", png(), content_type="image/png")
    response = secretary.post(url("attach", pk=talk.pk), {"documents": [scan]})
    assert response.status_code == 302
    assert [d.original_name for d in talk.documents.all()] == ["谈话记录扫描件.png"]
    assert AuditEvent.objects.get(action="development.attach").changes["documents"] == [
        "谈话记录扫描件.png"
    ]
    member = Client()
    login_as(member, personas.member_a)
    assert member.get(url("attach", pk=talk.pk)).status_code == 404
