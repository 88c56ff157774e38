"""Permissions and admin history follow retailers and keys from the booking app to this one.

A database made when the models were booking's has content types ``booking.retailer`` and
``booking.apikey``, which permissions (``change_retailer``...) and admin log entries point to:
renaming them keeps every grant. A new database has none yet (they are made after migrating).
"""

from django.db import migrations

MODELS = ("retailer", "apikey")


def content_types_move(apps, schema_editor, *, source="booking", target="tenants"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.db_manager(schema_editor.connection.alias)
    for model in MODELS:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def content_types_move_back(apps, schema_editor):
    content_types_move(apps, schema_editor, source="tenants", target="booking")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenants", "0001_initial"),
    ]

    operations = [migrations.RunPython(content_types_move, content_types_move_back)]
