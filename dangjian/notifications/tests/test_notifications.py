import pytest
from django.core import mail
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing import login_as
from dangjian.notifications import channels
from dangjian.notifications.models import Notification
from dangjian.notifications.services import notify, unread_count

LIST = reverse("notifications:list")


@pytest.fixture
def member(personas):
    personas.member_a.email = "li@example.cn"
    personas.member_a.save(update_fields=["email"])
    return personas.member_a


def test_notify_fills_each_inbox_once_and_emails_after_commit(
    member, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify(
            recipients=[member, member, personas.member_b],
            title="支部大会通知",
            body="周五下午三点开会",
            link="/orgs/",
            actor=personas.secretary_a,
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert len(created) == 2
    assert Notification.objects.filter(recipient=member).count() == 1
    # member_b has no email address: inbox only
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li@example.cn"]
    assert "支部大会通知" in message.subject
    assert "周五下午三点开会" in message.body
    assert "/orgs/" in message.body


def test_no_email_when_email_is_disabled(member, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[member], title="通知")
    assert mail.outbox == []
    assert unread_count(member) == 1


def test_rolled_back_work_notifies_nobody(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[member], title="通知")
    assert len(callbacks) == 1  # would only run if the surrounding transaction committed
    assert mail.outbox == []


def test_external_links_are_dropped(member):
    for link in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        (created,) = notify(recipients=[member], title="t", link=link)
        assert created.link == ""


def test_inactive_users_are_skipped(member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert notify(recipients=[member], title="t") == []


def test_a_failing_channel_spares_the_others(member, django_capture_on_commit_callbacks):
    delivered = []

    class Broken:
        name = "broken"

        def deliver(self, notifications):
            raise RuntimeError("gateway down")

    class Recorder:
        name = "recorder"

        def deliver(self, notifications):
            delivered.extend(notifications)

    channels.register_channel(Broken())
    channels.register_channel(Recorder())
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[member], title="t")
    finally:
        channels.unregister_channel("broken")
        channels.unregister_channel("recorder")
    assert len(delivered) == 1
    assert len(mail.outbox) == 1


def test_list_shows_only_my_notifications_with_unread_filter(client, member, personas):
    notify(recipients=[member], title="我的通知")
    notify(recipients=[personas.member_b], title="别人的通知")
    mine_read = notify(recipients=[member], title="已读通知")[0]
    login_as(client, member)
    client.post(reverse("notifications:mark_read", args=[mine_read.pk]))
    page = client.get(LIST).text
    assert "我的通知" in page and "已读通知" in page
    assert "别人的通知" not in page
    unread_page = client.get(LIST, {"show": "unread"}).text
    assert "我的通知" in unread_page and "已读通知" not in unread_page


def test_empty_state(client, member):
    login_as(client, member)
    response = client.get(LIST, {"show": "nonsense", "page": "x"})
    assert response.status_code == 200
    assert response.context["show"] == "all"
    assert not response.context["notifications"]


def test_mark_read_via_htmx_returns_the_item(client, member):
    (note,) = notify(recipients=[member], title="通知")
    login_as(client, member)
    response = client.post(reverse("notifications:mark_read", args=[note.pk]),
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200
    assert f'id="notification-{note.pk}"' in response.text
    assert response["HX-Trigger"] == "notifications-changed"
    note.refresh_from_db()
    assert note.is_read


def test_someone_elses_notification_is_404(client, member, personas):
    (note,) = notify(recipients=[personas.member_b], title="通知")
    login_as(client, member)
    assert client.post(reverse("notifications:mark_read", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[999999])).status_code == 404
    note.refresh_from_db()
    assert not note.is_read


def test_mark_read_needs_post(client, member):
    (note,) = notify(recipients=[member], title="通知")
    login_as(client, member)
    assert client.get(reverse("notifications:mark_read", args=[note.pk])).status_code == 405


def test_mark_all_read_touches_only_mine(client, member, personas):
    notify(recipients=[member, personas.member_b], title="通知")
    notify(recipients=[member], title="通知二")
    login_as(client, member)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=personas.member_b, read_at__isnull=True).exists()


def test_unread_badge_tag_counts_my_unread(member, personas):
    notify(recipients=[member], title="一")
    notify(recipients=[member], title="二")
    request = RequestFactory().get("/")
    request.user = member
    template = Template(
        "{% load notifications %}{% unread_notifications_count as n %}{{ n }}|"
        "{% url 'notifications:list' %}"
    )
    assert template.render(Context({"request": request})) == "2|/notifications/"


def test_unread_panel_shows_on_home(client, member):
    notify(recipients=[member], title="请参加主题党日")
    login_as(client, member)
    assert "请参加主题党日" in client.get("/").text


def test_anonymous_is_sent_to_sign_in(client, db):
    assert client.get(LIST).status_code == 302


def test_list_queries_do_not_grow_with_rows(client, member, personas):
    notify(recipients=[member], title="一", actor=personas.secretary_a)
    login_as(client, member)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    count_queries()  # the first request also refreshes session bookkeeping
    before = count_queries()
    for number in range(15):
        notify(recipients=[member], title=f"通知{number}", actor=personas.committee_admin)
    assert count_queries() == before
