"""Forms of the activity pages. They parse input only: every rule, and every refusal with its
Chinese reason, comes from `dangjian.orglife.services`; `apply_errors` puts the refusal under
the field it names (the service speaks of `starts_at` / `ends_at`, the form asks for a date and
two times, which are easier on a phone and for older users)."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm, apply_service_errors
from dangjian.development.forms import DocumentsField
from dangjian.members.models import Person
from dangjian.orglife.models import (
    AUDIENCE_CHOICES,
    PERIOD_CHOICES,
    QUORUM_CHOICES,
    Activity,
    ActivityType,
)
from dangjian.orglife.selectors import types_for
from dangjian.orglife.services import MEMBER_STAGES, MINUTES_FILES
from dangjian.orgs.models import PATH_STEP, CommitteeMember, OrgKind
from dangjian.rules import orglife as rules

# The service's names of the fields, as this form asks for them.
SERVICE_FIELDS = {"starts_at": "day", "ends_at": "end_time", "data": "name"}


def apply_errors(form: forms.Form, exc: ValidationError, default_field=None) -> None:
    """A service's ValidationError on `form`, with the service's field names translated."""
    if hasattr(exc, "error_dict"):
        renamed: dict[str, list] = {}
        for name, errors in exc.message_dict.items():
            renamed.setdefault(SERVICE_FIELDS.get(name, name), []).extend(errors)
        exc = ValidationError(renamed)
    apply_service_errors(form, exc, default_field=default_field)


def _text(label, *, rows: int = 3, required: bool = False, max_length: int = 4000, **kwargs):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)  # fmt: skip


def people_for(org, user, keep=()):
    """Who may host or record an activity of `org`, as far as the user may see members: the
    branch's members (a party group's: its branch's), or for a committee or general branch its
    own members and its current committee. `keep`: ids already chosen stay choosable."""
    if org.kind == OrgKind.PARTY_GROUP:
        where = Q(branch__path=org.path[:-PATH_STEP])
    elif org.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
        where = Q(branch__path__startswith=org.path)
    else:
        today = timezone.localdate()
        committee = CommitteeMember.objects.filter(org=org, term_start__lte=today).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=today)
        )
        where = Q(branch=org) | Q(user_id__in=committee.values("user_id"))
    members = Person.objects.restrict(user, "members.view").filter(
        is_active=True, stage__in=MEMBER_STAGES
    )
    return members.filter(where | Q(pk__in=[pk for pk in keep if pk])).order_by("name_pinyin", "pk")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ActivityForm(StyledForm):
    """Plan or change one activity of `org`."""

    type = forms.ModelChoiceField(label=_("Type"), queryset=None, empty_label=_("Choose…"))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Ends at"), required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("On the same day; may be left empty."),
    )  # fmt: skip
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(
        label=_("Online meeting link"), max_length=500, required=False, assume_scheme="https",
        help_text=_("For members who attend online; they sign in through this page."),
    )  # fmt: skip
    host = PersonChoiceField(label=_("Host"), queryset=None, required=False,
                             empty_label=_("Choose…"))  # fmt: skip
    recorder = PersonChoiceField(label=_("Recorder"), queryset=None, required=False,
                                 empty_label=_("Choose…"))  # fmt: skip
    agenda = _text(_("Agenda"), rows=5)
    materials = DocumentsField(
        label=_("Materials"), allowed=MINUTES_FILES,
        help_text=_("Documents for the attendees to read (PDF, Word, Excel, PowerPoint, "
                    "pictures); several files may be chosen."),
    )  # fmt: skip

    def __init__(self, *args, org, user, activity: Activity | None = None, **kwargs):
        if activity is not None:
            start = timezone.localtime(activity.starts_at)
            kwargs.setdefault("initial", {}).update(
                type=activity.type_id, topic=activity.topic, day=start.date(),
                start_time=start.time(), place=activity.place, online_url=activity.online_url,
                host=activity.host_id, recorder=activity.recorder_id, agenda=activity.agenda,
                end_time=timezone.localtime(activity.ends_at).time() if activity.ends_at else None,
            )  # fmt: skip
        super().__init__(*args, **kwargs)
        self.org, self.activity = org, activity
        types = Q(pk__in=types_for(org).values("pk"))
        if activity is not None:
            types |= Q(pk=activity.type_id)
        self.fields["type"].queryset = ActivityType.objects.filter(types).order_by("order", "id")
        keep = (activity.host_id, activity.recorder_id) if activity is not None else ()
        people = people_for(org, user, keep)
        self.fields["host"].queryset = people
        self.fields["recorder"].queryset = people
        if activity is not None and activity.status != "planned":
            self.fields["type"].disabled = True
            self.fields["type"].help_text = _("The type of a published activity is fixed.")

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start_time"):
            data["starts_at"] = self._aware(data["day"], data["start_time"])
            end = data.get("end_time")
            data["ends_at"] = self._aware(data["day"], end) if end else None
        return data

    @staticmethod
    def _aware(day, at) -> datetime:
        return timezone.make_aware(datetime.combine(day, at))

    def service_kwargs(self) -> dict:
        """What `activity_create` / `activity_update` take (the uploads apart)."""
        data = self.cleaned_data
        names = ("type", "topic", "starts_at", "ends_at", "place", "online_url", "host",
                 "recorder", "agenda")  # fmt: skip
        return {name: data[name] for name in names}


class CancelForm(StyledForm):
    reason = _text(_("Reason for cancelling"), rows=3, max_length=1000,
                   help_text=_("The attendees of a published activity are told."))  # fmt: skip


class ReplyForm(StyledForm):
    reason = _text(_("Reason for asking for leave"), rows=3, max_length=1000)


class TypeForm(StyledForm):
    """A committee's own activity type and the frequency it requires."""

    name = forms.CharField(label=_("Name of the type"), max_length=50)
    period = forms.ChoiceField(
        label=_("Required frequency"), required=False,
        choices=[("", _("No required frequency")), *PERIOD_CHOICES],
    )  # fmt: skip
    times = forms.IntegerField(label=_("Times per period"), min_value=1, max_value=31, initial=1)
    quorum = forms.ChoiceField(label=_("Quorum"), choices=QUORUM_CHOICES, initial="none")
    audience = forms.ChoiceField(label=_("Expected attendees"), choices=AUDIENCE_CHOICES,
                                 initial="branch")  # fmt: skip


def _count(label, *, low: int, high: int, help_text=""):
    return forms.IntegerField(label=label, min_value=low, max_value=high, help_text=help_text,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))  # fmt: skip


class PolicyForm(StyledForm):
    """A shipped policy, or a local variant of it under a name of its own: the days to sign
    the minutes, the warning days and each built-in type's required frequency."""

    base = forms.ChoiceField(label=_("Based on"), choices=())
    name = forms.CharField(
        label=_("Name of the policy"), max_length=100, required=False,
        help_text=_("Keep the shipped name to use it as it is; a local variant needs its own "
                    "name, e.g. 某公司组织生活规定."),
    )  # fmt: skip
    minutes_sign_days = _count(_("Minutes signed within (days of the meeting)"), low=0, high=60)
    warn_days = _count(_("Warn this many days before a period ends"), low=0, high=90)

    def __init__(self, *args, policy: rules.OrglifePolicy, base: str, **kwargs):
        # Declared per instance before the form copies base_fields, so styling applies to all.
        fields = dict(self.base_fields)
        initial = {
            "base": base,
            "name": policy.name,
            "minutes_sign_days": policy.minutes_sign_days,
            "warn_days": policy.warn_days,
        }
        for code, label in rules.TYPES.items():
            req = policy.requirement(code)
            fields[f"period_{code}"] = forms.ChoiceField(
                label=label, required=False,
                choices=[("", _("Not required")), *PERIOD_CHOICES],
            )  # fmt: skip
            fields[f"times_{code}"] = forms.IntegerField(
                label=_("Times per period"), min_value=1, max_value=31, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
            initial[f"period_{code}"] = req.period if req else ""
            initial[f"times_{code}"] = req.times if req else 1
        self.base_fields = fields
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["base"].choices = [(name, name) for name in rules.POLICIES]

    def general_fields(self) -> list:
        return [self[name] for name in ("base", "name", "minutes_sign_days", "warn_days")]

    def type_rows(self) -> list[tuple]:
        return [(label, self[f"period_{code}"], self[f"times_{code}"])
                for code, label in rules.TYPES.items()]  # fmt: skip

    def policy_data(self) -> dict:
        """What `services.policy_set` stores: the base and what differs from it."""
        data = self.cleaned_data
        base = rules.POLICIES[data["base"]]
        out: dict = {"base": base.name}
        name = (data.get("name") or "").strip() or base.name
        if name != base.name:
            out["name"] = name
        for attr in ("minutes_sign_days", "warn_days"):
            if data[attr] != getattr(base, attr):
                out[attr] = data[attr]
        changes: dict = {}
        for code in rules.TYPES:
            period, times = data.get(f"period_{code}"), data.get(f"times_{code}") or 1
            current = base.requirement(code)
            if not period:
                if current is not None:
                    changes[code] = None
            elif current is None or (current.period, current.times) != (period, times):
                changes[code] = {"period": period, "times": times}
        if changes:
            out["requirements"] = changes
        return out
