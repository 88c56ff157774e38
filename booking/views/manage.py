"""The signed link to a shopper's own booking (``/bookings/manage/<token>/``).

It is what a confirmation e-mail would carry: it works without the session that booked, and only
for the one booking it was signed for. The pages behind it (``shopper.manage_*``) use the booking
services, so every rule of the API applies.
"""

from __future__ import annotations

import uuid

from django.core import signing
from django.http import Http404
from django.urls import reverse

from booking.models import Booking
from booking.services.holds import booking_get
from greenslot.errors import NotFound
from tenants.models import Retailer

MANAGE_SALT = "greenslot.booking.manage"


def manage_token(booking: Booking) -> str:
    """The signed token of a booking's manage link: its id and an HMAC (``SECRET_KEY``), 60 characters.

    No expiry: the booking's own state decides what the link may still do.
    """
    return signing.Signer(salt=MANAGE_SALT).sign(booking.id.hex)


def manage_url(booking: Booking) -> str:
    return reverse("booking:manage", args=[manage_token(booking)])


def booking_by_token(retailer: Retailer, token: str) -> Booking:
    """The booking the token was signed for, if it is this retailer's; 404 otherwise."""
    try:
        booking_id = signing.Signer(salt=MANAGE_SALT).unsign(token)
        return booking_get(retailer=retailer, booking_id=uuid.UUID(hex=booking_id))
    except (signing.BadSignature, NotFound, ValueError) as exc:
        raise Http404("No such booking.") from exc
