"""A retailer's order id (``external_ref``) confirms one live booking (``booking_order_confirmed_once``).

Before the constraint: the shopper page's constant "shopper-page", which names no order, is
cleared; and an order id that already confirmed several live bookings (possible before this
migration) is kept on the earliest confirm only, each later booking's history recording the order
id it lost and the booking that keeps it, so nothing is forgotten and an operator can cancel the
extra delivery.
"""

from django.db import migrations, models


def keep_each_order_on_its_first_confirm(apps, schema_editor):
    Booking = apps.get_model("booking", "Booking")
    BookingEvent = apps.get_model("booking", "BookingEvent")
    first = {}
    rows = (
        Booking.objects.filter(status="confirmed")
        .exclude(external_ref="")
        .order_by("confirmed_at", "created_at", "id")
        .values_list("id", "retailer_id", "external_ref", "reference", "confirmed_at")
    )
    # The shopper page confirmed with a constant "shopper-page", which names no order: it goes.
    Booking.objects.filter(external_ref="shopper-page", idempotency_key__startswith="shopper-").update(
        external_ref=""
    )
    for booking_id, retailer_id, ref, reference, confirmed_at in rows.iterator():
        reference = f"{reference[:4]}-{reference[4:]}"  # as shown (booking.references)
        kept = first.setdefault((retailer_id, ref), reference)
        if kept == reference:
            continue
        Booking.objects.filter(id=booking_id).update(external_ref="")
        BookingEvent.objects.create(
            booking_id=booking_id,
            at=confirmed_at,
            actor="system:migration",
            from_status="confirmed",
            to_status="confirmed",
            note=f"order id {ref!r} removed: booking {reference} is not its only confirm; {kept} keeps it"[:300],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0009_quote_use"),
        ("tenants", "0002_content_types_from_booking"),
    ]

    operations = [
        migrations.RunPython(keep_each_order_on_its_first_confirm, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "confirmed"), models.Q(("external_ref", ""), _negated=True)),
                fields=("retailer", "external_ref"),
                name="booking_order_confirmed_once",
            ),
        ),
    ]
