"""Services of organizational life: facts from evidence, guarded transitions, secret ballot."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.audit.models import AuditEvent
from dangjian.notifications.models import Notification
from dangjian.orglife import services
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    Attendance,
    BallotCast,
    BallotTally,
    MinutesVersion,
    Reply,
    SigninMethod,
)
from dangjian.orglife.selectors import policy_for
from dangjian.orglife.tests.conftest import builtin, tomorrow_at
from dangjian.rules import orglife as rules


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def signed_in(activity) -> list[str]:
    rows = Attendance.objects.filter(activity=activity, signed_in_at__isnull=False)
    return sorted(rows.values_list("person__name", flat=True))


def held(activity, personas):
    """Two of the three full members and the probationary member sign in; then it is held."""
    at = activity.starts_at + timedelta(minutes=2)
    for person in ("王书记", "李党员", "钱预备"):
        row = activity.attendance.get(person__name=person)
        services.signin_manual(actor=personas.secretary_a, activity=activity, person=row.person,
                               reason="测试", at=at)  # fmt: skip
    return services.activity_hold(actor=personas.secretary_a, activity=activity,
                                  today=activity.starts_at.date() + timedelta(days=1))  # fmt: skip


class TestPlanAndPublish:
    def test_publishing_invites_the_branch_members_and_tells_them(self, meeting, people):
        names = sorted(meeting.attendance.values_list("person__name", flat=True))
        assert names == ["吴记录", "李党员", "王书记", "钱预备"]
        assert (meeting.expected_count, meeting.entitled_count, meeting.present_count) == (4, 3, 0)
        assert meeting.status == ActivityStatus.PUBLISHED
        told = Notification.objects.filter(category="orglife", link=f"/orglife/{meeting.pk}/")
        assert sorted(told.values_list("recipient__username", flat=True)) == [
            "p_member_a", "p_recorder", "p_secretary_a"]  # fmt: skip

    def test_end_before_start_is_a_field_error(self, make_activity):
        with pytest.raises(ValidationError) as exc:
            make_activity(ends_at=tomorrow_at() - timedelta(hours=1))
        assert "ends_at" in exc.value.message_dict

    def test_host_from_another_branch_is_refused(self, make_activity, people):
        with pytest.raises(ValidationError) as exc:
            make_activity(host=people.member_b)
        assert "host" in exc.value.message_dict

    def test_a_group_meeting_belongs_to_a_party_group(self, make_activity, tree):
        with pytest.raises(ValidationError):
            make_activity("group_meeting")
        group_meeting = make_activity("group_meeting", org=tree.group_a)
        assert list(group_meeting.attendance.values_list("person__name", flat=True)) == ["李党员"]

    def test_member_of_another_branch_cannot_plan_here(self, tree, personas, people):
        with pytest.raises(Http404):
            services.activity_create(actor=personas.member_a, org=tree.branch_a,
                                     type=builtin("lecture"), topic="党课",
                                     starts_at=tomorrow_at())  # fmt: skip

    def test_publishing_twice_is_refused(self, meeting, personas):
        with pytest.raises(ValidationError):
            services.activity_publish(actor=personas.secretary_a, activity=meeting)

    def test_year_plan_follows_the_policy_and_is_idempotent(self, tree, personas, people):
        created = services.activity_plan_year(actor=personas.secretary_a, org=tree.branch_a,
                                              year=2027)  # fmt: skip
        codes = sorted({a.type.code for a in created})
        # branch A has no committee of three: no committee meetings; group meetings are the
        # party group's own
        assert codes == ["appraisal", "general_meeting", "lecture", "orglife_meeting",
                         "talk", "theme_day"]  # fmt: skip
        assert sum(a.type.code == "theme_day" for a in created) == 12
        assert sum(a.type.code == "general_meeting" for a in created) == 4
        again = services.activity_plan_year(actor=personas.secretary_a, org=tree.branch_a,
                                            year=2027)  # fmt: skip
        assert again == []

    def test_the_quarterly_lecture_policy_plans_four_lectures(self, tree, personas, people):
        services.policy_set(actor=personas.committee_admin, org=tree.company,
                            data={"base": rules.ORGLIFE_2018_QUARTERLY_LECTURE.name})  # fmt: skip
        assert policy_for(tree.branch_a) == rules.ORGLIFE_2018_QUARTERLY_LECTURE
        created = services.activity_plan_year(actor=personas.secretary_a, org=tree.branch_a,
                                              year=2027)  # fmt: skip
        assert sum(a.type.code == "lecture" for a in created) == 4

    def test_a_changed_parameter_needs_a_new_policy_name(self, tree, personas):
        with pytest.raises(ValidationError) as exc:
            services.policy_set(actor=personas.committee_admin, org=tree.company,
                                data={"minutes_sign_days": 5})  # fmt: skip
        assert "新政策另起名称" in messages(exc)

    def test_cancelling_tells_the_attendees_with_the_reason(self, meeting, personas):
        with pytest.raises(ValidationError):
            services.activity_cancel(actor=personas.secretary_a, activity=meeting, reason=" ")
        services.activity_cancel(actor=personas.secretary_a, activity=meeting, reason="改期")
        assert Notification.objects.filter(body="改期").count() == 3


class TestReplies:
    def test_leave_needs_a_reason_and_the_secretary_decides(self, meeting, personas):
        with pytest.raises(ValidationError):
            services.activity_reply(actor=personas.member_a, activity=meeting, attending=False)
        row = services.activity_reply(actor=personas.member_a, activity=meeting,
                                      attending=False, reason="倒班")  # fmt: skip
        assert Notification.objects.filter(recipient=personas.secretary_a,
                                           title__contains="李党员").exists()  # fmt: skip
        services.leave_decide(actor=personas.secretary_a, attendance=row, approve=True)
        meeting.refresh_from_db()
        assert meeting.leave_count == 1
        assert Attendance.objects.get(pk=row.pk).reply == Reply.LEAVE_APPROVED

    def test_someone_not_invited_cannot_reply(self, meeting, personas, people):
        with pytest.raises(ValidationError) as exc:
            services.activity_reply(actor=personas.member_b, activity=meeting, attending=True)
        assert "不在本次活动的参加人员名单中" in messages(exc)

    def test_only_a_manager_decides_leave(self, meeting, personas):
        row = services.activity_reply(actor=personas.member_a, activity=meeting,
                                      attending=False, reason="出差")  # fmt: skip
        with pytest.raises(Http404):
            services.leave_decide(actor=personas.member_a, attendance=row, approve=True)


class TestSignin:
    def test_the_qr_code_signs_the_scanner_in_with_the_time(self, meeting, personas):
        at = meeting.starts_at + timedelta(minutes=1)
        token = services.signin_token(meeting, at)
        row = services.signin_with_token(actor=personas.member_a, token=token, at=at)
        assert (row.method, row.signed_in_at, row.late) == (SigninMethod.QR, at, False)
        meeting.refresh_from_db()
        assert (meeting.present_count, meeting.voters_present) == (1, 1)

    def test_a_code_older_than_ninety_seconds_has_expired(self, meeting, personas):
        shown = meeting.starts_at
        token = services.signin_token(meeting, shown)
        with pytest.raises(ValidationError) as exc:
            services.signin_with_token(actor=personas.member_a, token=token,
                                       at=shown + timedelta(seconds=95))  # fmt: skip
        assert "已过期" in messages(exc)
        # still good a minute later (time to scan and tap)
        services.signin_with_token(actor=personas.member_a, token=token,
                                   at=shown + timedelta(seconds=59))  # fmt: skip

    @pytest.mark.parametrize("mangle", [
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # forged signature
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "999999-1-abc",
    ])  # fmt: skip
    def test_a_forged_code_is_refused_and_nothing_stored(self, meeting, personas, mangle):
        at = meeting.starts_at
        with pytest.raises(ValidationError) as exc:
            services.signin_with_token(
                actor=personas.member_a, token=mangle(services.signin_token(meeting, at)), at=at
            )
        assert "二维码无效" in messages(exc)
        assert signed_in(meeting) == []

    def test_a_code_from_the_future_is_refused(self, meeting, personas):
        at = meeting.starts_at
        token = services.signin_token(meeting, at + timedelta(minutes=5))
        with pytest.raises(ValidationError):
            services.signin_with_token(actor=personas.member_a, token=token, at=at)

    def test_signing_in_twice_is_refused_with_the_first_time(self, meeting, personas):
        at = meeting.starts_at
        services.signin_with_token(actor=personas.member_a,
                                   token=services.signin_token(meeting, at), at=at)  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            services.signin_with_token(
                actor=personas.member_a, token=services.signin_token(meeting, at), at=at
            )
        assert "已于" in messages(exc) and "签到" in messages(exc)

    def test_someone_not_invited_cannot_sign_in(self, meeting, personas, people):
        at = meeting.starts_at
        with pytest.raises(ValidationError) as exc:
            services.signin_with_token(
                actor=personas.member_b, token=services.signin_token(meeting, at), at=at
            )
        assert "不在本次活动的参加人员名单中" in messages(exc)
        assert signed_in(meeting) == []

    def test_sign_in_opens_an_hour_before_the_start(self, meeting, personas):
        at = meeting.starts_at - timedelta(hours=2)
        with pytest.raises(ValidationError):
            services.signin_with_token(
                actor=personas.member_a, token=services.signin_token(meeting, at), at=at
            )

    def test_online_sign_in_needs_an_online_meeting(self, meeting, make_activity, personas):
        with pytest.raises(ValidationError):
            services.signin_online(actor=personas.member_a, activity=meeting,
                                   at=meeting.starts_at)  # fmt: skip
        online = make_activity("lecture", online_url="https://meeting.example.cn/123")
        row = services.signin_online(actor=personas.member_a, activity=online,
                                     at=online.starts_at + timedelta(minutes=20))  # fmt: skip
        assert row.method == SigninMethod.ONLINE and row.late

    def test_a_manual_sign_in_needs_the_recorder_and_a_reason(self, meeting, personas, people):
        with pytest.raises(ValidationError):
            services.signin_manual(
                actor=personas.secretary_a,
                activity=meeting,
                person=people.member,
                reason="",
                at=meeting.starts_at,
            )
        with pytest.raises(Http404):
            services.signin_manual(
                actor=personas.member_a,
                activity=meeting,
                person=people.member,
                reason="手机没电",
                at=meeting.starts_at,
            )
        recorder = people.recorder.user
        row = services.signin_manual(actor=recorder, activity=meeting, person=people.member,
                                     reason="手机没电", at=meeting.starts_at)  # fmt: skip
        assert (row.method, row.manual_reason, row.recorded_by) == (
            SigninMethod.MANUAL,
            "手机没电",
            recorder,
        )

    def test_quorum_is_computed_from_the_full_members_who_signed_in(self, meeting, personas,
                                                                     people):  # fmt: skip
        at = meeting.starts_at
        for person in (people.secretary, people.probationary):
            services.signin_manual(actor=personas.secretary_a, activity=meeting, person=person,
                                   reason="测试", at=at)  # fmt: skip
        meeting.refresh_from_db()
        # one of three full members: the probationary member does not count
        assert (meeting.present_count, meeting.voters_present, meeting.quorum_met) == (2, 1, False)
        services.signin_manual(actor=personas.secretary_a, activity=meeting, person=people.member,
                               reason="测试", at=at)  # fmt: skip
        meeting.refresh_from_db()
        assert (meeting.voters_present, meeting.quorum_met) == (2, True)

    def test_late_and_early_marks_need_a_sign_in(self, meeting, personas, people):
        row = meeting.attendance.get(person=people.member)
        with pytest.raises(ValidationError):
            services.attendance_mark(actor=personas.secretary_a, attendance=row, late=True,
                                     left_early=False)  # fmt: skip
        row = services.signin_manual(actor=personas.secretary_a, activity=meeting,
                                     person=people.member, reason="测试",
                                     at=meeting.starts_at)  # fmt: skip
        row = services.attendance_mark(actor=personas.secretary_a, attendance=row, late=True,
                                       left_early=True)  # fmt: skip
        assert row.late and row.left_early


class TestHeldAndMinutes:
    def test_a_meeting_dated_in_the_future_cannot_be_held(self, meeting, personas):
        with pytest.raises(ValidationError) as exc:
            services.activity_hold(
                actor=personas.secretary_a,
                activity=meeting,
                today=meeting.starts_at.date() - timedelta(days=1),
            )
        assert "不能标记为已召开" in messages(exc)
        assert Activity.objects.get(pk=meeting.pk).status == ActivityStatus.PUBLISHED

    def test_holding_fixes_the_day_and_the_minutes_deadline(self, meeting, personas):
        activity = held(meeting, personas)
        day = activity.starts_at.astimezone().date()
        assert activity.held_on == day
        assert activity.minutes_due_on == day + timedelta(days=7)
        assert AuditEvent.objects.filter(action="orglife.activity_hold").count() == 1

    def test_minutes_with_a_script_are_refused(self, meeting, personas):
        activity = held(meeting, personas)
        with pytest.raises(ValidationError) as exc:
            services.minutes_save(actor=personas.secretary_a, activity=activity,
                                  body="<p>会议</p><script>alert(1)</script>")  # fmt: skip
        assert "body" in exc.value.message_dict
        with pytest.raises(ValidationError):
            services.minutes_save(actor=personas.secretary_a, activity=activity,
                                  body='<p onclick="x()">会议</p>')  # fmt: skip
        assert not MinutesVersion.objects.exists()

    def test_minutes_are_sanitised(self, meeting, personas):
        activity = held(meeting, personas)
        version = services.minutes_save(
            actor=personas.secretary_a,
            activity=activity,
            body='<p style="color:red">会议<a href="x">链接</a></p>',
        )
        assert version.body == "<p>会议链接</p>"

    def test_minutes_need_a_held_activity(self, meeting, personas):
        with pytest.raises(ValidationError):
            services.minutes_save(actor=personas.secretary_a, activity=meeting, body="<p>x</p>")

    def test_signed_minutes_are_locked_and_changes_make_versions(self, meeting, personas,
                                                                  people):  # fmt: skip
        activity = held(meeting, personas)
        recorder = people.recorder.user
        services.minutes_save(actor=recorder, activity=activity, body="<p>第一稿</p>")
        services.minutes_save(actor=recorder, activity=activity, body="<p>定稿</p>")
        assert MinutesVersion.objects.filter(activity=activity).count() == 1  # draft in place
        with pytest.raises(ValidationError) as exc:
            services.minutes_sign(actor=recorder, activity=activity)
        assert "主持人" in messages(exc)
        services.minutes_sign(actor=personas.secretary_a, activity=activity)
        with pytest.raises(ValidationError) as exc:
            services.minutes_save(actor=recorder, activity=activity, body="<p>改</p>")
        assert "reason" in exc.value.message_dict
        v2 = services.minutes_save(actor=recorder, activity=activity, body="<p>补充决议</p>",
                                   reason="补记表决结果")  # fmt: skip
        versions = list(MinutesVersion.objects.filter(activity=activity).order_by("number"))
        assert [(v.number, v.body, v.is_signed) for v in versions] == [
            (1, "<p>定稿</p>", True), (2, "<p>补充决议</p>", False)]  # fmt: skip
        assert v2.change_reason == "补记表决结果"
        activity.refresh_from_db()
        assert activity.minutes_signed_on is not None
        # the attendance is evidence: locked once the minutes are signed
        with pytest.raises(ValidationError):
            services.signin_manual(actor=recorder, activity=activity, person=people.recorder,
                                   reason="补签", at=activity.starts_at)  # fmt: skip

    def test_follow_ups_are_owned_and_due(self, meeting, personas, people):
        activity = held(meeting, personas)
        with pytest.raises(ValidationError):
            services.follow_up_add(actor=personas.secretary_a, activity=activity, title="整改",
                                   owner=people.member,
                                   due_on=activity.held_on - timedelta(days=1))  # fmt: skip
        item = services.follow_up_add(actor=personas.secretary_a, activity=activity,
                                      title="整改安全隐患", owner=people.member,
                                      due_on=activity.held_on + timedelta(days=30))  # fmt: skip
        assert Notification.objects.filter(recipient=personas.member_a,
                                           title__contains="整改安全隐患").exists()  # fmt: skip
        services.follow_up_done(
            actor=personas.member_a,
            follow_up=item,
            done_on=activity.held_on + timedelta(days=3),
            note="已整改",
        )
        with pytest.raises(Http404):
            services.follow_up_done(actor=personas.member_b, follow_up=item,
                                    done_on=activity.held_on)  # fmt: skip


class TestVotes:
    def test_a_vote_counts_against_the_computed_attendance(self, meeting, personas):
        activity = held(meeting, personas)  # 3 entitled, 2 of them present
        with pytest.raises(ValidationError) as exc:
            services.vote_record(actor=personas.secretary_a, activity=activity, subject="表决",
                                 yes=2, no=1, abstain=0)  # fmt: skip
        assert "只有 2 名" in messages(exc) or "2" in messages(exc)
        vote = services.vote_record(
            actor=personas.secretary_a,
            activity=activity,
            subject="接收钱预备为正式党员",
            yes=2,
            no=0,
            abstain=0,
        )
        assert (vote.entitled, vote.present, vote.passed) == (3, 2, True)
        vote = services.vote_record(actor=personas.secretary_a, activity=activity,
                                    subject="另一事项", yes=1, no=1, abstain=0)  # fmt: skip
        assert vote.passed is False  # one of three is not more than half


class TestAppraisal:
    @pytest.fixture
    def appraisal(self, make_activity, personas):
        activity = make_activity("appraisal", topic="2026年度民主评议党员")
        return services.appraisal_open(actor=personas.secretary_a, activity=activity)

    def ratings(self, activity, voter, rating="qualified"):
        return {pid: rating for pid in activity.attendance.exclude(person=voter)
                .values_list("person_id", flat=True)}  # fmt: skip

    def test_one_secret_ballot_per_member(self, appraisal, personas, people):
        services.ballot_cast(
            actor=personas.member_a,
            activity=appraisal,
            ratings=self.ratings(appraisal, people.member, "excellent"),
        )
        with pytest.raises(ValidationError) as exc:
            services.ballot_cast(
                actor=personas.member_a,
                activity=appraisal,
                ratings=self.ratings(appraisal, people.member),
            )
        assert "每名党员只有一张选票" in messages(exc)
        services.ballot_cast(
            actor=personas.secretary_a,
            activity=appraisal,
            ratings=self.ratings(appraisal, people.secretary),
        )
        # nothing links a voter to a rating: casts carry a day, tallies only counts
        assert BallotCast.objects.filter(activity=appraisal).count() == 2
        assert {f.name for f in BallotTally._meta.get_fields()} == {
            "id",
            "activity",
            "subject",
            "rating",
            "count",
        }
        assert {f.name for f in BallotCast._meta.get_fields()} == {
            "id",
            "activity",
            "voter",
            "cast_on",
        }
        event = AuditEvent.objects.filter(action="orglife.ballot_cast").last()
        assert event.changes == {}
        with pytest.raises(ValidationError):
            services.tally_of(appraisal)
        appraisal = services.appraisal_close(actor=personas.secretary_a, activity=appraisal)
        tally = services.tally_of(appraisal)
        assert tally[people.recorder.pk] == {"excellent": 1, "qualified": 1, "basic": 0,
                                             "unqualified": 0}  # fmt: skip
        assert tally[people.member.pk]["qualified"] == 1  # not rated by themselves

    def test_a_ballot_must_rate_every_other_member(self, appraisal, personas, people):
        partial = self.ratings(appraisal, people.member)
        partial.popitem()
        with pytest.raises(ValidationError):
            services.ballot_cast(actor=personas.member_a, activity=appraisal, ratings=partial)
        bad = self.ratings(appraisal, people.member, "best")
        with pytest.raises(ValidationError):
            services.ballot_cast(actor=personas.member_a, activity=appraisal, ratings=bad)
        assert not BallotCast.objects.exists()
        assert set(BallotTally.objects.values_list("count", flat=True)) == {0}

    def test_decisions_come_after_the_ballot_closes(self, appraisal, personas, people):
        with pytest.raises(ValidationError):
            services.appraisal_decide(actor=personas.secretary_a, activity=appraisal,
                                      person=people.member, rating="excellent")  # fmt: skip
        services.self_assessment_submit(actor=personas.member_a, activity=appraisal,
                                        text="认真履行党员义务")  # fmt: skip
        services.appraisal_close(actor=personas.secretary_a, activity=appraisal)
        result = services.appraisal_decide(
            actor=personas.secretary_a, activity=appraisal, person=people.member, rating="excellent"
        )
        assert result.get_rating_display() == "优秀"
        with pytest.raises(ValidationError):
            services.ballot_cast(
                actor=people.recorder.user,
                activity=appraisal,
                ratings=self.ratings(appraisal, people.recorder),
            )


class TestFiles:
    def test_invited_members_read_the_materials_others_get_404(self, meeting, personas, client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from dangjian.core.testing import login_as

        upload = SimpleUploadedFile("议程.pdf", b"%PDF-1.4\n" + b"0" * 300)
        services.activity_update(actor=personas.secretary_a, activity=meeting, materials=[upload])
        material = meeting.materials.get()
        url = f"/orglife/{meeting.pk}/files/{material.uid}/"
        login_as(client, personas.member_a)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        login_as(client, personas.member_b)
        assert client.get(url).status_code == 404
        # an attachment of another activity is not served through this one
        assert client.get(f"/orglife/{meeting.pk}/files/{material.uid}x/").status_code == 404
