"""What an operator picks on the export and setup pages."""

from __future__ import annotations

from django import forms

from booking.models import BookingStatus
from fleet.models import Depot
from tenants.models import Retailer

from .exports import BookingFilter


class BookingExportForm(forms.Form):
    """The bookings CSV's filters: every one optional; dates are delivery dates, local, inclusive."""

    depot = forms.ModelChoiceField(
        queryset=Depot.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="All depots",
    )
    date_from = forms.DateField(
        required=False, label="Delivery from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="Delivery to", widget=forms.DateInput(attrs={"type": "date"})
    )
    retailer = forms.ModelChoiceField(
        queryset=Retailer.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="All retailers",
    )
    state = forms.ChoiceField(choices=[("", "Any state"), *BookingStatus.choices], required=False)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            raise forms.ValidationError(
                "The last delivery date comes on or after the first.", code="date_order"
            )
        return cleaned

    def selection(self) -> BookingFilter:
        data = self.cleaned_data
        return BookingFilter(
            depot=data["depot"],
            first=data["date_from"],
            last=data["date_to"],
            retailer_id=data["retailer"].pk if data["retailer"] else None,
            state=data["state"] or None,
        )

    def error_text(self) -> str:
        return "; ".join(
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in self.errors.items()
        )


class TestOfferForm(forms.Form):
    retailer = forms.ModelChoiceField(
        queryset=Retailer.objects.none(), to_field_name="slug", empty_label=None
    )

    def __init__(self, *args, retailers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retailer"].queryset = Retailer.objects.filter(pk__in=[r.pk for r in retailers]).order_by(
            "name"
        )
