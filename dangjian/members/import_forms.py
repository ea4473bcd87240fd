"""The upload form of the member import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.members.import_services import import_targets


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class ImportForm(forms.Form):
    org = OrgChoiceField(
        label=_("Import into"),
        queryset=None,
        help_text=_("Rows may name any branch of this organization that you manage."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    strict = forms.BooleanField(
        label=_("Strict mode: import nothing if any row has a problem"),
        required=False,
        initial=True,
        help_text=_("Without strict mode the valid rows are imported and the others reported."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    file = forms.FileField(
        label=_("Spreadsheet file"),
        help_text=_(
            "An .xlsx file, or a .csv file in UTF-8 or GB18030, with the columns of the "
            "import template."
        ),
        widget=forms.FileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        targets = import_targets(user)
        self.fields["org"].queryset = targets
        if not self.is_bound and len(targets[:2]) == 1:
            self.fields["org"].initial = targets[0].pk
