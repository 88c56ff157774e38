"""One quote, one hold (``Booking.quote_key``); one Idempotency-Key, one confirm per retailer; the
client that held (``Booking.client_key``, a keyed hash) for the cap on one client's live holds.

Before the key is made unique, a key that already confirmed several holds (possible before this
migration) is kept on the earliest confirm only: the later ones were the defect this fixes.
"""

from django.db import migrations, models


def keep_each_key_on_its_first_confirm(apps, schema_editor):
    Booking = apps.get_model("booking", "Booking")
    seen = set()
    duplicates = []
    rows = (
        Booking.objects.exclude(idempotency_key="")
        .order_by("confirmed_at", "created_at", "id")
        .values_list("id", "retailer_id", "idempotency_key")
    )
    for booking_id, retailer_id, key in rows.iterator():
        if (retailer_id, key) in seen:
            duplicates.append(booking_id)
        seen.add((retailer_id, key))
    Booking.objects.filter(id__in=duplicates).update(idempotency_key="")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_booking_reference"),
        ("fleet", "0002_marginal_cost_average"),
        ("tenants", "0002_content_types_from_booking"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="quote_key",
            field=models.CharField(blank=True, editable=False, max_length=48, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="booking",
            name="client_key",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=16),
        ),
        migrations.RunPython(keep_each_key_on_its_first_confirm, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key", ""), _negated=True),
                fields=("retailer", "idempotency_key"),
                name="booking_idempotency_key_unique",
            ),
        ),
    ]
