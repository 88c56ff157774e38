"""Every use of a quote, a hold's or a reschedule's, is one ``QuoteUse`` row with the quote's key
unique; ``Booking.quote_key`` (a hold's quote only) moves there and goes."""

import django.db.models.deletion
from django.db import migrations, models


def holds_quotes_to_uses(apps, schema_editor):
    Booking = apps.get_model("booking", "Booking")
    QuoteUse = apps.get_model("booking", "QuoteUse")
    rows = Booking.objects.exclude(quote_key=None).values_list("id", "quote_key", "created_at")
    QuoteUse.objects.bulk_create(
        (
            QuoteUse(key=key, booking_id=booking_id, purpose="hold", used_at=at)
            for booking_id, key, at in rows
        ),
        batch_size=1000,
    )


def uses_to_holds_quotes(apps, schema_editor):
    Booking = apps.get_model("booking", "Booking")
    QuoteUse = apps.get_model("booking", "QuoteUse")
    for booking_id, key in QuoteUse.objects.filter(purpose="hold").values_list("booking_id", "key"):
        Booking.objects.filter(id=booking_id).update(quote_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0008_band_availability"),
    ]

    operations = [
        migrations.CreateModel(
            name="QuoteUse",
            fields=[
                ("key", models.CharField(editable=False, max_length=48, primary_key=True, serialize=False)),
                (
                    "purpose",
                    models.CharField(choices=[("hold", "Hold"), ("reschedule", "Reschedule")], max_length=16),
                ),
                ("used_at", models.DateTimeField()),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="quote_uses",
                        to="booking.booking",
                    ),
                ),
            ],
            options={
                "ordering": ["booking", "used_at"],
            },
        ),
        migrations.RunPython(holds_quotes_to_uses, uses_to_holds_quotes),
        migrations.RemoveField(
            model_name="booking",
            name="quote_key",
        ),
    ]
