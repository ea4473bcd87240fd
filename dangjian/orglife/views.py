"""Activity pages: the list, one activity's notice, planning and changing it, publishing and
cancelling, replies and leave, the year plan, activity types and the policy. Thin views: the
selectors read, the services decide.

Activities are read with `restrict(user, "orglife.view")`, which also lets an attendee see the
published activities they are invited to (personal scope). Anything else is 404. Buttons show
only what the viewer may do; the services check again (and answer 404 when they refuse a
permission, like a missing page).
"""

from collections import Counter
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.attachments.models import Attachment
from dangjian.attachments.views import attachment_response
from dangjian.core.lists import ScopedListView
from dangjian.core.scope import get_scoped_or_404, has_perm
from dangjian.members.models import Person
from dangjian.orglife import services
from dangjian.orglife.filters import ActivityFilter, local_range
from dangjian.orglife.forms import (
    ActivityForm,
    CancelForm,
    PolicyForm,
    ReplyForm,
    TypeForm,
    apply_errors,
)
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    Attendance,
    MinutesVersion,
    PolicySetting,
    Reply,
)
from dangjian.orglife.selectors import policy_for, requirement_of, types_for
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules import RuleError
from dangjian.rules import orglife as rules

VIEW = "orglife.view"
MANAGE = "orglife.manage"
CONFIGURE = "orglife.configure"
EDITABLE = (ActivityStatus.PLANNED, ActivityStatus.PUBLISHED)
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)
PUBLISH_NAMES_SHOWN = 300
MINUTES_STATES = {
    "signed": gettext_lazy("Signed"),
    "draft": gettext_lazy("Draft"),
    "none": gettext_lazy("None"),
}


def _activities():
    return Activity.objects.select_related("type", "org", "host", "recorder")


def _activity_or_404(request, pk: int) -> Activity:
    return get_scoped_or_404(_activities(), request.user, VIEW, pk=pk)


def _back(request, activity: Activity, text: str):
    messages.warning(request, text)
    return redirect("orglife:detail", pk=activity.pk)


def _detail_url(activity: Activity, anchor: str = "") -> str:
    return reverse("orglife:detail", kwargs={"pk": activity.pk}) + (f"#{anchor}" if anchor else "")


def minutes_state(activity: Activity) -> str:
    """'signed', 'draft' or 'none' (needs the `has_minutes` annotation of the list)."""
    if activity.minutes_signed_on:
        return "signed"
    return "draft" if getattr(activity, "has_minutes", False) else "none"


# --- choosing an organization (and a year) ------------------------------------------------------


def scoped_orgs(user, action: str) -> list[Organization]:
    """Active organizations where `user` may `action`, in tree order."""
    return list(
        Organization.objects.restrict(user, action)
        .filter(is_active=True)
        .only("pk", "name", "path", "depth", "kind")
        .order_by("path")
    )


def _default(orgs: list[Organization], prefer_branch: bool) -> Organization:
    if prefer_branch:
        branch = next((o for o in orgs if o.kind in BRANCH_KINDS), None)
        if branch is not None:
            return branch
    return min(orgs, key=lambda o: (o.depth, o.path))


def pick_org(request, action: str, *, prefer_branch: bool = True
             ) -> tuple[Organization, list[Organization]]:  # fmt: skip
    """The organization of `?org=` among those where the user may `action` (default: their
    first branch, or the highest organization); 404 for any other value."""
    orgs = scoped_orgs(request.user, action)
    if not orgs:
        raise Http404
    raw = request.GET.get("org", "").strip()
    if not raw:
        return _default(orgs, prefer_branch), orgs
    chosen = next((o for o in orgs if str(o.pk) == raw), None)
    if chosen is None:
        raise Http404
    return chosen, orgs


def pick_year(request) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def picker(orgs, org, year: int | None = None) -> dict:
    """The organization (and year) choice at the top of a page."""
    top = min(o.depth for o in orgs)
    years = []
    if year is not None:
        this = timezone.localdate().year
        years = sorted({*range(this - 3, this + 3), year}, reverse=True)
    return {
        "orgs": [(o.pk, "\u3000" * (o.depth - top) + o.name, o.pk == org.pk) for o in orgs],
        "years": [(y, y == year) for y in years],
    }


# --- the list -----------------------------------------------------------------------------------


def _rate(activity: Activity) -> str:
    rate = activity.attendance_rate
    return "" if rate is None else f"{rate:.0%}"


def _local_iso(activity: Activity) -> str:
    return timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")


class ActivityListView(ScopedListView):
    model = Activity
    action = VIEW
    filterset_class = ActivityFilter
    search_fields = ["topic"]
    template_name = "orglife/list.html"
    export_name = "orglife-activities"
    export_columns = [
        (gettext_lazy("Time"), _local_iso),
        (gettext_lazy("Type"), lambda a: a.type.name),
        (gettext_lazy("Topic"), "topic"),
        (gettext_lazy("Organization"), lambda a: a.org.name),
        (gettext_lazy("Status"), lambda a: str(a.get_status_display())),
        (gettext_lazy("Expected"), "expected_count"),
        (gettext_lazy("Present"), "present_count"),
        (gettext_lazy("Attendance rate"), _rate),
        (gettext_lazy("Minutes"), lambda a: str(MINUTES_STATES[minutes_state(a)])),
    ]

    def base_queryset(self):
        minutes = MinutesVersion.objects.filter(activity=OuterRef("pk"))
        return (
            Activity.objects.restrict(self.request.user, self.action)
            .select_related("type", "org")
            .annotate(has_minutes=Exists(minutes))
            .order_by("-starts_at", "-pk")
        )

    def get_template_names(self):
        if self.request.headers.get("HX-Target") == "list-results":
            return ["orglife/list_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        for activity in rows:
            activity.minutes_state = minutes_state(activity)
        user = self.request.user
        context.update(
            object_list=rows,
            can_create=has_perm(user, MANAGE),
            can_plan=has_perm(user, VIEW),
            can_configure=has_perm(user, CONFIGURE),
            narrowed=bool(self.query_text) or bool(self.filterset and self.filterset.narrowed),
        )
        return context


# --- one activity -------------------------------------------------------------------------------


def _my_person_id(user) -> int | None:
    return Person.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()


@login_required
def activity_detail(request, pk: int):
    activity = _activity_or_404(request, pk)
    user = request.user
    can_manage = has_perm(user, MANAGE, activity.org)
    my_attendance = (
        Attendance.objects.filter(activity=activity, person__user_id=user.pk)
        .select_related("person")
        .first()
    )
    me = my_attendance.person_id if my_attendance else _my_person_id(user)
    attendees = []
    if can_manage:
        attendees = list(
            activity.attendance.select_related("person").order_by("person__name_pinyin", "pk")
        )
    replies = Counter(a.reply for a in attendees)
    editable = activity.status in EDITABLE
    context = {
        "activity": activity,
        "can_manage": can_manage,
        "is_recorder": me is not None and activity.recorder_id == me,
        "is_host": me is not None and activity.host_id == me,
        "my_attendance": my_attendance,
        "materials": list(activity.materials.all()),
        "attendees": attendees,
        "leave_requests": [a for a in attendees if a.reply == Reply.LEAVE_REQUESTED],
        "reply_counts": [(label, replies[value]) for value, label in Reply.choices],
        "can_edit": can_manage and editable,
        "can_publish": can_manage and activity.status == ActivityStatus.PLANNED,
        "can_cancel": can_manage and editable,
        "can_reply": (
            my_attendance is not None and activity.status == ActivityStatus.PUBLISHED
            and my_attendance.signed_in_at is None
        ),
        "reply_form": ReplyForm(),
        "today": timezone.localdate(),
    }  # fmt: skip
    return render(request, "orglife/detail.html", context)


@login_required
def activity_file(request, pk: int, uid):
    """A material of the activity or a photo/file of its minutes, for anyone who may see the
    activity — invited members included, who hold no permission over the organization."""
    activity = _activity_or_404(request, pk)
    found = activity.materials.filter(uid=uid).first() or Attachment.objects.filter(
        uid=uid, pk__in=MinutesVersion.files.through.objects.filter(
            minutesversion__activity=activity).values("attachment_id"),
    ).first()  # fmt: skip
    if found is None:
        raise Http404
    return attachment_response(request, found)


# --- planning and changing ----------------------------------------------------------------------


def _create_initial(request, org) -> dict:
    """`?type=<code>&date=YYYY-MM-DD` from the plan page fill the form in."""
    initial: dict = {"start_time": "14:30"}
    code = request.GET.get("type", "")
    if code:
        chosen = types_for(org).filter(code=code).values_list("pk", flat=True).first()
        if chosen:
            initial["type"] = chosen
    if request.GET.get("date"):
        initial["day"] = request.GET["date"][:10]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    org, orgs = pick_org(request, MANAGE)
    user = request.user
    form = ActivityForm(request.POST or None, request.FILES or None, org=org, user=user,
                        initial=_create_initial(request, org))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                actor=user, org=org, materials=form.cleaned_data["materials"],
                **form.service_kwargs(),
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Planned: %(topic)s. Publish it to notify the attendees.")
                             % {"topic": activity.topic})  # fmt: skip
            return redirect("orglife:detail", pk=activity.pk)
    return render(request, "orglife/form.html", {
        "form": form, "org": org, "picker": picker(orgs, org), "activity": None,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = _activity_or_404(request, pk)
    user = request.user
    if not has_perm(user, MANAGE, activity.org):
        return _back(request, activity, _("You may not change this activity."))
    if activity.status not in EDITABLE:
        return _back(request, activity, _("A held or cancelled activity can no longer be changed."))
    form = ActivityForm(request.POST or None, request.FILES or None, org=activity.org, user=user,
                        activity=activity)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=user, activity=activity,
                                     materials=form.cleaned_data["materials"],
                                     **form.service_kwargs())  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            text = _("Changes saved.")
            if activity.status == ActivityStatus.PUBLISHED:
                text = _("Changes saved. The attendees are told of a new time or place.")
            messages.success(request, text)
            return redirect("orglife:detail", pk=activity.pk)
    return render(request, "orglife/form.html", {
        "form": form, "org": activity.org, "activity": activity,
        "materials": list(activity.materials.all()),
    })  # fmt: skip


# --- publishing, cancelling ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_publish(request, pk: int):
    activity = _activity_or_404(request, pk)
    user = request.user
    if not has_perm(user, MANAGE, activity.org):
        return _back(request, activity, _("You may not publish this activity."))
    if activity.status != ActivityStatus.PLANNED:
        return _back(request, activity, _("Only a planned activity can be published."))
    errors: list[str] = []
    over = (activity.ends_at or activity.starts_at + services.DEFAULT_LENGTH) <= now()
    if request.method == "POST":
        try:
            activity = services.activity_publish(actor=user, activity=activity)
        except ValidationError as exc:
            errors = exc.messages
        else:
            text = (_("Published: %(count)s attendees recorded. The activity is over, so no "
                      "notice was sent.") if over else
                    _("Published: %(count)s attendees invited and notified."))  # fmt: skip
            messages.success(request, text % {"count": activity.expected_count})
            return redirect("orglife:detail", pk=activity.pk)
    people = services.attendees_default(activity).order_by("name_pinyin", "pk")
    names = list(people.values_list("name", flat=True)[: PUBLISH_NAMES_SHOWN + 1])
    return render(request, "orglife/publish.html", {
        "activity": activity, "errors": errors, "count": people.count(),
        "names": names[:PUBLISH_NAMES_SHOWN], "more": len(names) > PUBLISH_NAMES_SHOWN,
        "over": over,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def activity_cancel(request, pk: int):
    activity = _activity_or_404(request, pk)
    user = request.user
    if not has_perm(user, MANAGE, activity.org):
        return _back(request, activity, _("You may not cancel this activity."))
    if activity.status not in EDITABLE:
        return _back(request, activity, _("A held or cancelled activity cannot be cancelled."))
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_cancel(actor=user, activity=activity,
                                     reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Cancelled: %(topic)s.") % {"topic": activity.topic})
            return redirect("orglife:detail", pk=activity.pk)
    return render(request, "orglife/cancel.html", {"activity": activity, "form": form})


# --- replies and leave --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_reply(request, pk: int):
    """An attendee replies: attending (`attending=1`), or asking for leave with a reason."""
    activity = _activity_or_404(request, pk)
    user = request.user
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attending = request.POST.get("attending") == "1"
        try:
            services.activity_reply(actor=user, activity=activity, attending=attending,
                                    reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you: you will attend.") if attending else
                             _("Your request for leave is sent to the secretary."))  # fmt: skip
            return redirect("orglife:detail", pk=activity.pk)
    my_attendance = Attendance.objects.filter(activity=activity, person__user_id=user.pk).first()
    return render(request, "orglife/reply.html", {
        "activity": activity, "form": form, "my_attendance": my_attendance,
    })  # fmt: skip


@login_required
@require_POST
def leave_decide(request, pk: int, attendance_pk: int):
    """The secretary approves (`approve=1`) or refuses (`approve=0`) a request for leave."""
    activity = _activity_or_404(request, pk)
    row = get_object_or_404(
        activity.attendance.select_related("person__user", "activity__org"), pk=attendance_pk
    )
    choice = request.POST.get("approve")
    if choice not in ("0", "1"):
        messages.warning(request, _("Choose whether to approve or refuse the leave."))
        return redirect(_detail_url(activity, "attendees"))
    try:
        services.leave_decide(actor=request.user, attendance=row, approve=choice == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = _("Leave of %(name)s approved.") if choice == "1" else _(
            "Leave of %(name)s refused.")  # fmt: skip
        messages.success(request, done % {"name": row.person.name})
    return redirect(_detail_url(activity, "attendees"))


# --- the year plan ------------------------------------------------------------------------------


def _plan_url(org, year: int) -> str:
    return reverse("orglife:plan") + "?" + urlencode({"org": org.pk, "year": year})


def _requirements(org, policy) -> list[dict]:
    """The frequencies the policy (and the committees' own types) require, described."""
    rows = [{"text": r.describe(), "applies": rules.APPLIES[r.applies]}
            for r in policy.requirements]  # fmt: skip
    for activity_type in types_for(org).filter(org__isnull=False).order_by("order", "id"):
        req = requirement_of(activity_type, policy)
        if req is not None:
            rows.append({"text": req.describe(), "applies": rules.APPLIES[req.applies]})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def plan(request):
    org, orgs = pick_org(request, VIEW)
    year = pick_year(request)
    user = request.user
    can_manage = has_perm(user, MANAGE, org)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        created = services.activity_plan_year(actor=user, org=org, year=year)
        if created:
            messages.success(request, _("%(count)s activities added to the plan of %(year)s.")
                             % {"count": len(created), "year": year})  # fmt: skip
        else:
            messages.info(request, _("Nothing to add: the plan of %(year)s already has every "
                                     "required activity.") % {"year": year})  # fmt: skip
        return redirect(_plan_url(org, year))
    start, end = local_range(date(year, 1, 1), 12)
    own = Q(org=org) | Q(
        org__path__startswith=org.path, org__depth=org.depth + 1, org__kind=OrgKind.PARTY_GROUP
    )
    activities = (
        Activity.objects.restrict(user, VIEW)
        .filter(own, starts_at__gte=start, starts_at__lt=end)
        .select_related("type", "org")
        .order_by("starts_at", "pk")
    )
    months = [{"month": m, "activities": [], "value": f"{year}-{m:02d}"} for m in range(1, 13)]
    for activity in activities:
        months[timezone.localtime(activity.starts_at).month - 1]["activities"].append(activity)
    counts = Counter(a.status for m in months for a in m["activities"])
    policy = policy_for(org)
    return render(request, "orglife/plan.html", {
        "org": org, "year": year, "picker": picker(orgs, org, year), "months": months,
        "policy": policy, "requirements": _requirements(org, policy), "can_manage": can_manage,
        "counts": [(label, counts[value]) for value, label in ActivityStatus.choices],
        "total": sum(counts.values()),
    })  # fmt: skip


# --- activity types -----------------------------------------------------------------------------


def _types_url(org) -> str:
    return reverse("orglife:types") + "?" + urlencode({"org": org.pk})


def _frequency(activity_type: ActivityType, policy) -> str:
    req = requirement_of(activity_type, policy)
    return req.describe() if req is not None else _("No required frequency")


@login_required
def types(request):
    org, orgs = pick_org(request, CONFIGURE, prefer_branch=False)
    user = request.user
    policy = policy_for(org)
    builtin = [{"type": t, "frequency": _frequency(t, policy)}
               for t in ActivityType.objects.filter(org__isnull=True)]  # fmt: skip
    custom = [
        {"type": t, "frequency": _frequency(t, policy),
         "editable": has_perm(user, CONFIGURE, t.org)}
        for t in ActivityType.objects.restrict(user, VIEW)
        .filter(org__path__in=org.ancestor_paths())
        .select_related("org")
        .order_by("org__depth", "order", "id")
    ]  # fmt: skip
    return render(request, "orglife/types.html", {
        "org": org, "picker": picker(orgs, org), "policy": policy, "builtin": builtin,
        "custom": custom,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request, pk: int | None = None):
    user = request.user
    activity_type = None
    if pk is not None:
        activity_type = get_scoped_or_404(
            ActivityType.objects.select_related("org"), user, CONFIGURE, pk=pk
        )
        org = activity_type.org
    else:
        org, _orgs = pick_org(request, CONFIGURE, prefer_branch=False)
    initial = {}
    if activity_type is not None:
        initial = {name: getattr(activity_type, name)
                   for name in ("name", "period", "times", "quorum", "audience")}  # fmt: skip
    form = TypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.activity_type_save(actor=user, org=org, activity_type=activity_type,
                                                **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Activity type “%(name)s” saved.") % {"name": saved.name})
            return redirect(_types_url(org))
    return render(request, "orglife/type_form.html", {
        "form": form, "org": org, "activity_type": activity_type, "back": _types_url(org),
    })  # fmt: skip


# --- the policy ---------------------------------------------------------------------------------


def _policy_url(org) -> str:
    return reverse("orglife:policy") + "?" + urlencode({"org": org.pk})


def _source(org) -> PolicySetting | None:
    """The setting the organization's policy comes from (its own or an ancestor's)."""
    return (
        PolicySetting.objects.filter(org__path__in=org.ancestor_paths())
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )


def _revert(request, org, own):
    if own is None:
        messages.info(
            request, _("%(org)s has no organizational-life policy of its own.") % {"org": org.name}
        )
        return redirect(_policy_url(org))
    if request.method == "POST":
        services.policy_set(actor=request.user, org=org, data=None)
        messages.success(request, _("%(org)s now follows the inherited policy.")
                         % {"org": org.name})  # fmt: skip
        return redirect(_policy_url(org))
    parent = next(iter(Organization.objects.filter(path__in=org.ancestor_paths()[:-1])
                       .order_by("-depth")[:1]), None)  # fmt: skip
    return render(request, "orglife/policy.html", {
        "org": org, "confirm_revert": True, "own": own,
        "after": policy_for(parent) if parent is not None else rules.ORGLIFE_2018,
        "back": _policy_url(org),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    org, orgs = pick_org(request, CONFIGURE, prefer_branch=False)
    source = _source(org)
    own = source if source is not None and source.org_id == org.pk else None
    if request.GET.get("revert") == "1":
        return _revert(request, org, own)
    in_force = policy_for(org)
    problem = ""
    if source is not None:
        try:
            rules.policy_from_dict(source.data)
        except RuleError as exc:
            problem = str(exc)
    base = (source.data.get("base") if source else None) or rules.ORGLIFE_2018.name
    if base not in rules.POLICIES:
        base = rules.ORGLIFE_2018.name
    form = PolicyForm(request.POST or None, policy=in_force, base=base)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_set(actor=request.user, org=org, data=form.policy_data())
        except ValidationError as exc:
            apply_errors(form, exc, default_field="name")
        else:
            messages.success(request, _("The organizational-life policy of %(org)s is saved.")
                             % {"org": org.name})  # fmt: skip
            return redirect(_policy_url(org))
    below = (
        PolicySetting.objects.restrict(request.user, CONFIGURE)
        .filter(org__path__startswith=org.path)
        .exclude(org=org)
        .select_related("org")
        .order_by("org__path")
    )
    return render(request, "orglife/policy.html", {
        "org": org, "picker": picker(orgs, org), "policy": in_force, "own": own,
        "source": source, "problem": problem, "form": form,
        "shipped": rules.POLICIES.values(),
        "below": [{"org": s.org, "name": s.data.get("name") or s.data.get("base", ""),
                   "url": _policy_url(s.org)} for s in below],
    })  # fmt: skip
