"""Forms of the meeting pages (sign-in, attendance, minutes, follow-ups, votes, appraisal).

They parse input only: every rule and every refusal, with its Chinese reason, comes from
`dangjian.orglife.services`, and lands on the field it names (`apply_service_errors`). Choice
lists are built from the activity's own attendance, which the page has already scoped.
"""

import html
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm
from dangjian.development.forms import DocumentsField
from dangjian.members.models import Person
from dangjian.orglife.models import Rating
from dangjian.orglife.services import MINUTES_FILES

MAX_VOTES = 100_000


def _text(label, *, rows: int = 3, required: bool = False, max_length: int = 2000, **kwargs):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)  # fmt: skip


def _date(label, **kwargs) -> forms.DateField:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, widget=widget, **kwargs)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def person_field(label, queryset, *, required: bool = True) -> PersonField:
    return PersonField(label=label, queryset=queryset.order_by("name", "pk"), required=required,
                       empty_label=_("Choose…"))  # fmt: skip


def attendees_of(activity):
    """The people on the activity's list of attendees."""
    return Person.objects.filter(pk__in=activity.attendance.values("person_id"))


class ManualSigninForm(StyledForm):
    """The recorder signs someone in by hand; the service insists on the reason."""

    def __init__(self, *args, activity, **kwargs):
        waiting = activity.attendance.filter(signed_in_at__isnull=True).values("person_id")
        # Declared per instance before the form copies base_fields, so styling applies to all.
        self.base_fields = {
            "person": person_field(_("Attendee"), Person.objects.filter(pk__in=waiting)),
            "reason": _text(
                _("Reason for a manual sign-in"), rows=2, max_length=500,
                help_text=_("For example: phone without network, signed the paper list."),
            ),
        }  # fmt: skip
        super().__init__(*args, **kwargs)


class MarkForm(forms.Form):
    """Late arrival and early departure of one signed-in attendee (hidden inputs, 1 or 0)."""

    late = forms.BooleanField(required=False, widget=forms.HiddenInput)
    left_early = forms.BooleanField(required=False, widget=forms.HiddenInput)


_BLOCK = re.compile(r"\n\s*\n")


def plain_to_html(text: str) -> str:
    """Text typed without the editor (JavaScript off): paragraphs and line breaks as HTML.
    Anything that already looks like markup is left for the service to judge."""
    if "<" in text or not text.strip():
        return text
    blocks = [b.strip() for b in _BLOCK.split(text.replace("\r\n", "\n")) if b.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
    )


class MinutesForm(StyledForm):
    body = forms.CharField(
        label=_("Minutes"), required=False, max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 12, "data-minutes-source": ""}),
        help_text=_("Who spoke, what was discussed and decided. Without the toolbar, separate "
                    "paragraphs with an empty line."),
    )  # fmt: skip
    resolutions = _text(_("Resolutions"), rows=4, max_length=20_000)
    reason = _text(_("Reason for the change"), rows=2, max_length=1000)
    files = DocumentsField(
        allowed=MINUTES_FILES, label=_("Photos and files"),
        help_text=_("Photos of the meeting, the sign-in sheet, documents; several files may be "
                    "chosen."),
    )  # fmt: skip

    def clean_body(self) -> str:
        return plain_to_html(self.cleaned_data["body"])


class FollowUpForm(StyledForm):
    title = forms.CharField(label=_("Decision to carry out"), max_length=200, required=False)
    due_on = _date(_("Due on"))

    def __init__(self, *args, activity, **kwargs):
        fields = dict(type(self).base_fields)
        self.base_fields = {"title": fields["title"],
                            "owner": person_field(_("Owner"), attendees_of(activity)),
                            "due_on": fields["due_on"]}  # fmt: skip
        super().__init__(*args, **kwargs)


class FollowUpDoneForm(StyledForm):
    done_on = _date(_("Done on"))
    note = _text(_("How it was done"), rows=3)


class VoteForm(StyledForm):
    subject = forms.CharField(label=_("Subject of the vote"), max_length=200, required=False)
    yes = forms.IntegerField(label=_("Yes votes"), min_value=0, max_value=MAX_VOTES)
    no = forms.IntegerField(label=_("No votes"), min_value=0, max_value=MAX_VOTES, initial=0)
    abstain = forms.IntegerField(
        label=_("Abstentions"), min_value=0, max_value=MAX_VOTES, initial=0
    )

    def __init__(self, *args, people, **kwargs):
        person = person_field(_("About (optional)"), people, required=False)
        person.help_text = _("The member or applicant the vote is about, if any.")
        fields = dict(type(self).base_fields)
        self.base_fields = {"subject": fields.pop("subject"), "person": person, **fields}
        super().__init__(*args, **kwargs)


class SelfAssessmentForm(StyledForm):
    text = _text(_("Self-assessment"), rows=10, max_length=20_000)


def rating_field_name(person_id: int) -> str:
    return f"rating_{person_id}"


class BallotForm(forms.Form):
    """One radio group per other attendee. The choices are never stored with the voter."""

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        for person in self.subjects:
            self.fields[rating_field_name(person.pk)] = forms.ChoiceField(
                label=person.name, choices=Rating.choices, widget=forms.RadioSelect,
                error_messages={"required": _("Choose a rating for %(name)s.") % {
                    "name": person.name}},
            )  # fmt: skip

    def rows(self):
        return [(person, self[rating_field_name(person.pk)]) for person in self.subjects]

    def ratings(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[rating_field_name(p.pk)] for p in self.subjects}


class DecideForm(StyledForm):
    """The branch's rating per attendee (blank: not decided yet) with an optional note."""

    def __init__(self, *args, people, results, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        for person in self.people:
            result = results.get(person.pk)
            self.fields[rating_field_name(person.pk)] = forms.ChoiceField(
                label=_("Rating"), choices=[("", _("Not decided")), *Rating.choices],
                required=False, initial=result.rating if result else "",
                widget=forms.Select(attrs={"class": "form-select"}),
            )  # fmt: skip
            self.fields[f"note_{person.pk}"] = forms.CharField(
                label=_("Note"), max_length=500, required=False,
                initial=result.note if result else "",
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )  # fmt: skip

    def decisions(self):
        """(person, rating, note) for every attendee given a rating."""
        for person in self.people:
            rating = self.cleaned_data.get(rating_field_name(person.pk))
            if rating:
                yield person, rating, self.cleaned_data.get(f"note_{person.pk}", "")
