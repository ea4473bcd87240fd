"""Pages of what happens at and after a meeting: the sign-in QR screen and the phone's sign-in
page, online and manual sign-in, late / left-early marks, confirming the activity was held,
the minutes (versions, sign-off), follow-up items, votes and the democratic appraisal.

Thin views: the activity is loaded with `get_scoped_or_404(..., "orglife.view")` (attendees see
theirs through the personal scope), the services decide and check permissions again. Pages that
only the recorder, the host or a manager may use answer 404 to anyone else; refusals of a
service come back as Chinese messages on the form, with the input kept.
"""

from dataclasses import dataclass

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.forms import apply_service_errors
from dangjian.core.scope import get_scoped_or_404, has_perm
from dangjian.members.models import Person
from dangjian.orglife import services
from dangjian.orglife.meeting_forms import (
    BallotForm,
    DecideForm,
    FollowUpDoneForm,
    FollowUpForm,
    ManualSigninForm,
    MarkForm,
    MinutesForm,
    SelfAssessmentForm,
    VoteForm,
    attendees_of,
)
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    AppraisalResult,
    Attendance,
    BallotCast,
    MinutesVersion,
    Rating,
    SelfAssessment,
)
from dangjian.orglife.templatetags.orglife_meeting import quorum_rule_text, signin_open

VIEW, MANAGE = "orglife.view", "orglife.manage"
NOT_INVITED = "You are not on the list of attendees of this activity."  # the service's words


@dataclass(frozen=True)
class Roles:
    """What the viewer is in this activity."""

    can_manage: bool
    is_recorder: bool
    is_host: bool

    @property
    def may_record(self) -> bool:
        return self.can_manage or self.is_recorder


def roles_of(user, activity: Activity) -> Roles:
    pk = Person.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    return Roles(has_perm(user, MANAGE, activity.org),
                 pk is not None and pk == activity.recorder_id,
                 pk is not None and pk == activity.host_id)  # fmt: skip


def _activity(request, pk: int) -> Activity:
    queryset = Activity.objects.select_related("type", "org", "host", "recorder")
    return get_scoped_or_404(queryset, request.user, VIEW, pk=pk)


def _recording(request, pk: int) -> Activity:
    """The activity, for the recorder or a manager (anyone else: 404)."""
    activity = _activity(request, pk)
    if not roles_of(request.user, activity).may_record:
        raise Http404
    return activity


def _managing(request, pk: int) -> Activity:
    activity = _activity(request, pk)
    if not has_perm(request.user, MANAGE, activity.org):
        raise Http404
    return activity


def _appraisal(request, pk: int) -> Activity:
    activity = _activity(request, pk)
    if not activity.is_appraisal:
        raise Http404
    return activity


def _detail(activity: Activity, anchor: str = "meeting"):
    return redirect(f"{activity.get_absolute_url()}#{anchor}")


def _refused(request, activity: Activity, exc: ValidationError, anchor: str = "meeting"):
    messages.error(request, " ".join(exc.messages))
    return _detail(activity, anchor)


def _page(request, template: str, activity: Activity, **context):
    return render(request, f"orglife/{template}", {"activity": activity, **context})


def _signed_in(activity: Activity) -> list[Attendance]:
    return list(
        activity.attendance.filter(signed_in_at__isnull=False)
        .select_related("person")
        .order_by("signed_in_at", "pk")
    )


# --- the QR code on the meeting-room screen ---------------------------------------------------


def _qr_context(request, activity: Activity) -> dict:
    url = request.build_absolute_uri(
        reverse("orglife:signin", kwargs={"token": services.signin_token(activity)})
    )
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, omitsize=True, dark="#000", light="#fff",
                          title=_("QR code for signing in"))  # fmt: skip
    return {
        "activity": activity,
        "qr_svg": mark_safe(svg),  # noqa: S308 — segno's own markup; the title is our text
        "signed_in": _signed_in(activity),
        "open": signin_open(activity),
        "refresh_seconds": 20,
    }


@login_required
def qr_screen(request, pk: int):
    """Full-screen page for the meeting-room screen: the rotating code and who signed in."""
    activity = _recording(request, pk)
    return render(request, "orglife/meeting_qr.html", _qr_context(request, activity))


@login_required
def qr_code(request, pk: int):
    """The part of the screen page that htmx replaces every 20 seconds."""
    activity = _recording(request, pk)
    return render(request, "orglife/meeting_qr_code.html", _qr_context(request, activity))


# --- signing in -------------------------------------------------------------------------------


def _signin_result(request, *, activity=None, error=None, row=None, status=200):
    return render(request, "orglife/meeting_signin.html", {
        "activity": activity, "error": error, "row": row, "token": None,
    }, status=status)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def signin(request, token: str):
    """What the phone opens after scanning the code. GET shows the activity and one button;
    only the POST signs in. A code for an activity the user cannot see names no topic."""
    try:
        named = services.activity_of_token(token)
    except ValidationError as exc:
        return _signin_result(request, error=" ".join(exc.messages))
    activity = (
        Activity.objects.restrict(request.user, VIEW)
        .select_related("type", "org")
        .filter(pk=named.pk)
        .first()
    )
    if activity is None:
        # Out of scope is answered like missing on GET (404); a POST gets the same words.
        return _signin_result(request, error=_(NOT_INVITED),
                              status=404 if request.method == "GET" else 200)  # fmt: skip
    if request.method == "GET":
        done = activity.attendance.filter(person__user_id=request.user.pk,
                                          signed_in_at__isnull=False).first()  # fmt: skip
        if done is not None:  # scanned again: say when, do not offer a second sign-in
            return _signin_result(request, activity=activity, row=done)
        return render(request, "orglife/meeting_signin.html", {
            "activity": activity, "token": token, "error": None, "row": None,
        })  # fmt: skip
    try:
        row = services.signin_with_token(actor=request.user, token=token)
    except ValidationError as exc:
        return _signin_result(request, activity=activity, error=" ".join(exc.messages))
    return _signin_result(request, activity=activity, row=row)


@login_required
@require_POST
def signin_online(request, pk: int):
    activity = _activity(request, pk)
    try:
        row = services.signin_online(actor=request.user, activity=activity)
    except ValidationError as exc:
        return _refused(request, activity, exc)
    local = timezone.localtime(row.signed_in_at)
    messages.success(request, _("Signed in at %(time)s.") % {"time": f"{local:%H:%M}"})
    return _detail(activity)


@login_required
@require_http_methods(["GET", "POST"])
def signin_manual(request, pk: int):
    activity = _recording(request, pk)
    form = ManualSigninForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.signin_manual(actor=request.user, activity=activity,
                                         person=form.cleaned_data["person"],
                                         reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s signed in by hand.") % {"name": row.person.name})
            return _detail(activity, "meeting-attendance")
    return _page(request, "meeting_signin_manual.html", activity, form=form)


@login_required
@require_POST
def attendance_mark(request, pk: int, attendance_pk: int):
    activity = _recording(request, pk)
    row = get_object_or_404(activity.attendance.select_related("activity"), pk=attendance_pk)
    form = MarkForm(request.POST)
    form.is_valid()  # two optional booleans: always valid
    try:
        services.attendance_mark(actor=request.user, attendance=row,
                                 late=form.cleaned_data["late"],
                                 left_early=form.cleaned_data["left_early"])  # fmt: skip
    except ValidationError as exc:
        return _refused(request, activity, exc, "meeting-attendance")
    return _detail(activity, "meeting-attendance")


# --- held, minutes, sign-off ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_hold(request, pk: int):
    activity = _recording(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.activity_hold(actor=request.user, activity=activity)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The activity is confirmed as held."))
            return _detail(activity)
    return _page(request, "meeting_hold.html", activity, error=error,
                 rule=quorum_rule_text(activity))  # fmt: skip


def _versions(activity: Activity) -> list[MinutesVersion]:
    return list(
        activity.minutes.select_related("written_by", "signed_by")
        .prefetch_related("files")
        .order_by("-number")
    )


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request, pk: int):
    activity = _recording(request, pk)
    versions = _versions(activity)
    latest = versions[0] if versions else None
    if activity.status != ActivityStatus.HELD:
        messages.warning(request, _("Confirm that the activity was held before writing its "
                                    "minutes."))  # fmt: skip
        return _detail(activity)
    initial = {"body": latest.body, "resolutions": latest.resolutions} if latest else {}
    form = MinutesForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.minutes_save(
                actor=request.user, activity=activity, body=data["body"],
                resolutions=data["resolutions"], reason=data["reason"], files=data["files"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Minutes saved (version %(number)s).")
                             % {"number": version.number})  # fmt: skip
            return _detail(activity, "meeting-minutes")
    return _page(request, "meeting_minutes.html", activity, form=form, latest=latest,
                 new_version=latest is not None and latest.is_signed)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def minutes_sign(request, pk: int):
    """The host reads the latest version and signs it off (others see why they cannot)."""
    activity = _activity(request, pk)
    roles = roles_of(request.user, activity)
    versions = _versions(activity)
    latest = versions[0] if versions else None
    if latest is None:
        messages.info(request, _("There are no minutes to sign yet."))
        return _detail(activity)
    error = None
    if not roles.is_host:
        error = _("Only the host of the activity can sign the minutes off.")
    if request.method == "POST":
        try:
            signed = services.minutes_sign(actor=request.user, activity=activity)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Version %(number)s of the minutes is signed off.")
                             % {"number": signed.number})  # fmt: skip
            return _detail(activity, "meeting-minutes")
    return _page(request, "meeting_minutes_sign.html", activity, version=latest, error=error,
                 can_sign=roles.is_host and not latest.is_signed)  # fmt: skip


@login_required
def minutes_version(request, pk: int, number: int):
    activity = _activity(request, pk)
    versions = _versions(activity)
    version = next((v for v in versions if v.number == number), None)
    if version is None:
        raise Http404
    return _page(request, "meeting_minutes_version.html", activity, version=version,
                 versions=versions)  # fmt: skip


# --- follow-up items and votes ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_add(request, pk: int):
    activity = _recording(request, pk)
    form = FollowUpForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up_add(actor=request.user, activity=activity, title=data["title"],
                                   owner=data["owner"], due_on=data["due_on"])  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Follow-up item added; its owner is told."))
            return _detail(activity, "meeting-follow-ups")
    return _page(request, "meeting_follow_up.html", activity, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_done(request, pk: int, item_pk: int):
    activity = _activity(request, pk)
    item = get_object_or_404(activity.follow_ups.select_related("owner", "activity__org"),
                             pk=item_pk)  # fmt: skip
    if not (has_perm(request.user, MANAGE, activity.org) or item.owner.user_id == request.user.pk):
        raise Http404
    form = FollowUpDoneForm(request.POST or None, initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_done(actor=request.user, follow_up=item,
                                    done_on=form.cleaned_data["done_on"],
                                    note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("“%(title)s” is marked done.") % {"title": item.title})
            return _detail(activity, "meeting-follow-ups")
    return _page(request, "meeting_follow_up_done.html", activity, form=form, item=item)


def _vote_people(user, activity: Activity):
    """Whom a vote may be about: the attendees, and the people of the organization the user
    may see (an applicant is not an attendee)."""
    visible = Person.objects.restrict(user, "members.view").filter(
        branch__path__startswith=activity.org.path, is_active=True
    )
    invited = activity.attendance.values("person_id")
    return Person.objects.filter(Q(pk__in=invited) | Q(pk__in=visible.values("pk")))


@login_required
@require_http_methods(["GET", "POST"])
def vote_record(request, pk: int):
    activity = _recording(request, pk)
    form = VoteForm(request.POST or None, people=_vote_people(request.user, activity))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = services.vote_record(actor=request.user, activity=activity,
                                        subject=data["subject"], yes=data["yes"], no=data["no"],
                                        abstain=data["abstain"], person=data["person"])  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            done = _("Vote recorded: passed.") if vote.passed else _("Vote recorded: not passed.")
            messages.success(request, done)
            return _detail(activity, "meeting-votes")
    activity.refresh_from_db(fields=["entitled_count", "voters_present"])
    return _page(request, "meeting_vote.html", activity, form=form)


# --- democratic appraisal ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_open(request, pk: int):
    return _ballot_box(request, pk, opening=True)


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_close(request, pk: int):
    return _ballot_box(request, pk, opening=False)


def _ballot_box(request, pk: int, *, opening: bool):
    activity = _managing(request, pk)
    if not activity.is_appraisal:
        raise Http404
    error = None
    if request.method == "POST":
        service = services.appraisal_open if opening else services.appraisal_close
        try:
            service(actor=request.user, activity=activity)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The ballot is open.") if opening
                             else _("The ballot is closed."))  # fmt: skip
            return _detail(activity, "meeting-appraisal")
    cast = BallotCast.objects.filter(activity=activity).count()
    return _page(request, "meeting_ballot_box.html", activity, opening=opening, error=error,
                 cast=cast)  # fmt: skip


def _own_row(request, activity: Activity) -> Attendance | None:
    return activity.attendance.select_related("person").filter(person__user_id=request.user.pk
                                                               ).first()  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request, pk: int):
    activity = _appraisal(request, pk)
    row = _own_row(request, activity)
    if row is None:
        messages.warning(request, _(NOT_INVITED))
        return _detail(activity)
    current = SelfAssessment.objects.filter(activity=activity, person=row.person).first()
    form = SelfAssessmentForm(request.POST or None,
                              initial={"text": current.text if current else ""})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.self_assessment_submit(actor=request.user, activity=activity,
                                            text=form.cleaned_data["text"])  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your self-assessment is saved."))
            return _detail(activity, "meeting-appraisal")
    return _page(request, "meeting_self_assessment.html", activity, form=form, current=current)


@login_required
@require_http_methods(["GET", "POST"])
def ballot(request, pk: int):
    """One secret ballot per attendee. After voting the page only says that you voted."""
    activity = _appraisal(request, pk)
    row = _own_row(request, activity)
    if row is None:
        messages.warning(request, _(NOT_INVITED))
        return _detail(activity)
    voted = BallotCast.objects.filter(activity=activity, voter=row.person).first()
    subjects = attendees_of(activity).exclude(pk=row.person_id).order_by("name", "pk")
    form = None if voted else BallotForm(request.POST or None, subjects=subjects)
    error = None
    if request.method == "POST":
        try:
            if form is None:
                raise ValidationError(_("You have already voted: each member has one ballot."))
            if form.is_valid():
                services.ballot_cast(actor=request.user, activity=activity,
                                     ratings=form.ratings())  # fmt: skip
                messages.success(request, _("Your ballot is cast. Nobody can see what you "
                                            "chose, and it will not be shown again."))  # fmt: skip
                return redirect("orglife:ballot", pk=activity.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    status = "closed" if activity.ballot_closed_at else "open" if activity.ballot_opened_at else ""
    return _page(request, "meeting_ballot.html", activity, form=form, voted=voted, error=error,
                 status=status)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_decide(request, pk: int):
    """After the ballot closes: the counts per person (never ballots) and the branch's rating."""
    activity = _managing(request, pk)
    if not activity.is_appraisal:
        raise Http404
    try:
        tally = services.tally_of(activity)
    except ValidationError as exc:
        return _page(request, "meeting_decide.html", activity, error=" ".join(exc.messages),
                     form=None, rows=[])  # fmt: skip
    people = list(attendees_of(activity).order_by("name", "pk"))
    results = {r.person_id: r for r in AppraisalResult.objects.filter(activity=activity)}
    assessments = {a.person_id: a for a in SelfAssessment.objects.filter(activity=activity)}
    form = DecideForm(request.POST or None, people=people, results=results)
    if request.method == "POST" and form.is_valid():
        failed = False
        for person, rating, note in form.decisions():
            try:
                services.appraisal_decide(actor=request.user, activity=activity, person=person,
                                          rating=rating, note=note)  # fmt: skip
            except ValidationError as exc:
                failed = True
                form.add_error(f"rating_{person.pk}", exc.messages)
        if not failed:
            messages.success(request, _("The decisions are recorded."))
            return _detail(activity, "meeting-appraisal")
    rows = [
        {"person": p, "assessment": assessments.get(p.pk),
         "counts": [(label, tally.get(p.pk, {}).get(value, 0)) for value, label in Rating.choices],
         "rating": form[f"rating_{p.pk}"], "note": form[f"note_{p.pk}"]}
        for p in people
    ]  # fmt: skip
    cast = BallotCast.objects.filter(activity=activity).count()
    return _page(request, "meeting_decide.html", activity, form=form, rows=rows, error=None,
                 cast=cast)  # fmt: skip
