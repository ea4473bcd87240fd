from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import audit_record
from dangjian.core.testing import login_as, make_user

from .helpers import tampering

LIST = reverse("audit:list")


@pytest.fixture
def events(tree):
    audit_record(actor=None, action="auth.login", actor_label="王书记（p_secretary_a）")
    changes = {"name": ["旧支部", "综采一队党支部"], "term_end": [None, "2029-06-30"]}
    audit_record(
        actor=None, action="orgs.update", target=tree.branch_a, org=tree.branch_a, changes=changes
    )
    audit_record(actor=None, action="orgs.update", target=tree.branch_c, org=tree.branch_c)
    return AuditEvent.objects.order_by("seq")


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
    assert "auth.login" in response.text
    assert "综采一队党支部" in response.text


def test_audit_administrator_has_the_navigation_entry(auditor, events):
    assert 'href="/audit/"' in auditor.get("/").text


def test_filters_narrow_the_list(auditor, events, tree):
    by_action = auditor.get(LIST, {"action": "auth."}).context["events"]
    assert {e.action for e in by_action} == {"auth.login"}
    by_org = auditor.get(LIST, {"org": tree.general_branch.code}).context["events"]
    assert [e.target_label for e in by_org] == [str(tree.branch_a)]
    by_actor = auditor.get(LIST, {"actor": "p_secretary"}).context["events"]
    assert [e.action for e in by_actor] == ["auth.login"]
    by_type = auditor.get(LIST, {"target_type": "orgs.organization", "action": "orgs.update"})
    assert len(by_type.context["events"]) == 2
    today = timezone.localdate()
    future = auditor.get(LIST, {"date_from": str(today + timedelta(days=1))})
    assert future.context["events"] == []
    assert "No audit events match" in future.text or "没有" in future.text
    assert len(auditor.get(LIST, {"date_from": str(today), "date_to": str(today)}).context[
        "events"]) == AuditEvent.objects.count()  # fmt: skip


def test_search_finds_request_and_target_text(auditor, events):
    found = auditor.get(LIST, {"q": "变电"}).context["events"]
    assert [e.action for e in found] == ["orgs.update"]


def test_bad_filter_input_answers_with_a_field_error_not_500(auditor, events):
    response = auditor.get(LIST, {"date_from": "2026-13-45"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.text


def test_htmx_requests_get_only_the_results(auditor, events):
    response = auditor.get(LIST, {"action": "auth"}, HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET="list-results")  # fmt: skip
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "auth.login" in response.text


def test_a_subsidiary_auditor_sees_only_its_subtree(client, tree, events):
    local = make_user("p_audit_local", "本地审计员", ("audit_admin", tree.company))
    login_as(client, local)
    actions = {(e.action, e.target_label) for e in client.get(LIST).context["events"]}
    assert ("orgs.update", str(tree.branch_a)) in actions
    assert ("orgs.update", str(tree.branch_c)) not in actions
    assert all(action != "auth.login" for action, _ in actions)  # org-less: root scope only
    outside = AuditEvent.objects.get(target_label=str(tree.branch_c))
    assert client.get(reverse("audit:detail", args=[outside.seq])).status_code == 404


def test_detail_shows_old_and_new_values(auditor, events):
    event = events.get(action="orgs.update", target_label__contains="综采")
    response = auditor.get(reverse("audit:detail", args=[event.seq]))
    assert response.status_code == 200
    assert "旧支部" in response.text
    assert "2029-06-30" in response.text
    assert response.context["hash_ok"]


def test_missing_event_is_404(auditor, events):
    assert auditor.get(reverse("audit:detail", args=[99999])).status_code == 404


def test_export_is_a_spreadsheet_and_is_itself_audited(auditor, events):
    response = auditor.get(LIST, {"action": "orgs.", "export": "xlsx"})
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
    with tampering():
        AuditEvent.objects.filter(seq=2).update(changes={})
    response = auditor.post(reverse("audit:verify"))
    assert response.status_code == 200
    assert "alert-danger" in response.text
    assert "#2" in response.text
    assert auditor.get(reverse("audit:verify")).status_code == 200
