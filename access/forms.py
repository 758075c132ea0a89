import datetime as dt

from django import forms
from django.utils import timezone


class AccessRequestForm(forms.Form):
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    expires_at = forms.DateField(
        required=False,
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional end date.",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    renew = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_expires_at(self):
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        # The end of the chosen day, in the portal's time zone.
        end = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
        return end


class AuditFilterForm(forms.Form):
    product = forms.CharField(required=False, help_text="<domain>/<name> or a domain")
    action = forms.CharField(required=False)
    actor = forms.CharField(required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
