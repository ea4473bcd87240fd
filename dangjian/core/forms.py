"""Form pieces every app uses: Bootstrap styling with error markers, and service errors.

class PersonForm(StyledForm): ...            # or BootstrapMixin with a ModelForm

try:
    services.thing_do(actor=request.user, ...)
except ValidationError as exc:
    apply_service_errors(form, exc)          # field errors under their fields, input kept
"""

from django import forms
from django.core.exceptions import ValidationError


class BootstrapMixin:
    """Bootstrap classes and `is-invalid` / `aria-invalid` markers, so templates can render
    fields plainly and every error — from cleaning or from a service — is marked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs["class"]:
                    attrs["class"] += " is-invalid"
                    attrs["aria-invalid"] = "true"


class StyledForm(BootstrapMixin, forms.Form):
    """A plain form with the house styling."""


def apply_service_errors(form: forms.Form, exc: ValidationError, *, default_field=None) -> None:
    """Show a service's ValidationError on the form: keys naming a field go under it, the
    rest (and field-less messages) go to `default_field`, or to the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(default_field, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else default_field, errors)
