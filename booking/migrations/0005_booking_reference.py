# Booking.reference: a short human reference. Existing bookings get one each (a callable default
# on AddField would give every existing row the same value, which the unique constraint refuses).

from django.db import migrations, models

import booking.references


def fill_references(apps, schema_editor):
    Booking = apps.get_model("booking", "Booking")
    used = set()
    for row in Booking.objects.filter(reference__isnull=True).only("id").iterator():
        reference = booking_reference_unused(used)
        Booking.objects.filter(pk=row.pk).update(reference=reference)


def booking_reference_unused(used):
    while True:
        reference = booking.references.reference_new()
        if reference not in used:
            used.add(reference)
            return reference


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0004_preset_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="reference",
            field=models.CharField(editable=False, max_length=8, null=True, unique=True),
        ),
        migrations.RunPython(fill_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="booking",
            name="reference",
            field=models.CharField(default=booking.references.reference_new, editable=False, max_length=8, unique=True),
        ),
    ]
