from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import audit_record
from dangjian.core.testing import login_as, make_user

from .helpers import tampering

LIST = reverse("audit:list")


@pytest.fixture
def events(tree):
    # Own action codes ("vt."), so events the fixtures' services record do not interfere.
    audit_record(actor=None, action="vt.login", actor_label="王书记（p_secretary_a）")
    changes = {"name": ["旧支部", "综采一队党支部"], "term_end": [None, "2029-06-30"]}
    audit_record(
        actor=None, action="vt.update", target=tree.branch_a, org=tree.branch_a, changes=changes
    )
    audit_record(actor=None, action="vt.update", target=tree.branch_c, org=tree.branch_c)
    return AuditEvent.objects.filter(action__startswith="vt.").order_by("seq")


@pytest.fixture
def auditor(client, personas):
    login_as(client, personas.audit_admin)
    return client


@pytest.mark.parametrize("persona", ["secretary_a", "system_admin", "security_admin", "member_a"])
@pytest.mark.parametrize("url", [LIST, reverse("audit:verify"), "/audit/events/1/"])
def test_everyone_but_the_audit_administrator_gets_404(client, personas, events, persona, url):
    login_as(client, getattr(personas, persona))
    assert client.get(url).status_code == 404
    assert client.post(reverse("audit:verify")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_audit_administrator_sees_the_log(auditor, events):
    response = auditor.get(LIST)
    assert response.status_code == 200
    assert "vt.login" in response.text
    assert "综采一队党支部" in response.text


def test_audit_administrator_has_the_navigation_entry(auditor, events):
    assert 'href="/audit/"' in auditor.get("/").text


def test_filters_narrow_the_list(auditor, events, tree):
    by_action = auditor.get(LIST, {"action": "vt.log"}).context["events"]
    assert [e.action for e in by_action] == ["vt.login"]
    by_org = auditor.get(LIST, {"org": tree.general_branch.code, "action": "vt."}).context["events"]
    assert [e.target_label for e in by_org] == [str(tree.branch_a)]
    by_actor = auditor.get(LIST, {"actor": "p_secretary", "action": "vt."}).context["events"]
    assert [e.action for e in by_actor] == ["vt.login"]
    by_type = auditor.get(LIST, {"target_type": "orgs.organization", "action": "vt."})
    assert len(by_type.context["events"]) == 2
    today = timezone.localdate()
    future = auditor.get(LIST, {"date_from": str(today + timedelta(days=1))})
    assert future.context["events"] == []
    assert "没有符合条件的审计事件" in future.text
    today_only = auditor.get(
        LIST, {"date_from": str(today), "date_to": str(today), "action": "vt."}
    )
    assert len(today_only.context["events"]) == 3


def test_search_finds_request_and_target_text(auditor, events):
    found = auditor.get(LIST, {"q": "变电", "action": "vt."}).context["events"]
    assert [e.target_label for e in found] == ["变电运维党支部"]


def test_bad_filter_input_answers_with_a_field_error_not_500(auditor, events):
    response = auditor.get(LIST, {"date_from": "2026-13-45"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.text


def test_htmx_requests_get_only_the_results(auditor, events):
    response = auditor.get(LIST, {"action": "vt."}, HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET="list-results")  # fmt: skip
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "vt.login" in response.text


def test_a_subsidiary_auditor_sees_only_its_subtree(client, tree, events):
    local = make_user("p_audit_local", "本地审计员", ("audit_admin", tree.company))
    login_as(client, local)
    shown = client.get(LIST, {"action": "vt."}).context["events"]
    actions = {(e.action, e.target_label) for e in shown}
    assert actions == {("vt.update", str(tree.branch_a))}  # org-less login: root scope only
    outside = events.get(target_label=str(tree.branch_c))
    assert client.get(reverse("audit:detail", args=[outside.seq])).status_code == 404


def test_detail_shows_old_and_new_values(auditor, events):
    event = events.get(action="vt.update", target_label__contains="综采")
    response = auditor.get(reverse("audit:detail", args=[event.seq]))
    assert response.status_code == 200
    assert "旧支部" in response.text
    assert "2029-06-30" in response.text
    assert response.context["hash_ok"]


def test_missing_event_is_404(auditor, events):
    assert auditor.get(reverse("audit:detail", args=[99999])).status_code == 404


def test_export_is_a_spreadsheet_and_is_itself_audited(auditor, events):
    response = auditor.get(LIST, {"action": "vt.update", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"PK")
    trace = AuditEvent.objects.order_by("-seq").first()
    assert trace.action == "export.audit_log"
    assert trace.changes["rows"] == 2


def test_verify_reports_an_intact_chain_and_is_recorded(auditor, events):
    response = auditor.post(reverse("audit:verify"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "alert-success" in response.text
    assert "<html" not in response.text
    assert AuditEvent.objects.order_by("-seq").first().action == "audit.verify"


def test_verify_names_the_altered_event(auditor, events):
    seq = events.first().seq
    with tampering():
        AuditEvent.objects.filter(seq=seq).update(changes={"tampered": True})
    response = auditor.post(reverse("audit:verify"))
    assert response.status_code == 200
    assert "alert-danger" in response.text
    assert f"事件 #{seq} 在写入后被篡改" in response.text
    assert auditor.get(reverse("audit:verify")).status_code == 200


def test_list_queries_do_not_grow_with_rows(auditor, events, tree):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert auditor.get(LIST).status_code == 200
        return len(queries)

    count_queries()  # the first request also refreshes session bookkeeping
    before = count_queries()
    for number in range(30):
        audit_record(actor=None, action="vt.more", target=tree.branch_b, org=tree.branch_b,
                     changes={"n": number})  # fmt: skip
    assert count_queries() == before
