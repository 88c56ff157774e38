"""``python manage.py widget_demo_key``: the publishable key the widget demo page embeds.

Keeps the current one if it is still live; makes a new one (``--rotate``: and revokes the old) and
writes it where ``/widget/demo/`` reads it. Prints ``{retailer, publishable_key, file, created}``.
See booking/widget/demo_key.py for why a publishable key may live in a file.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from booking.widget.demo_key import demo_key_path
from lab.demo.widget_key import demo_key_ensure
from tenants.models import Retailer


class Command(BaseCommand):
    help = (
        "Make (or keep) the publishable key of the widget demo page for the demo retailer and write it "
        "to the instance directory; prints it as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--slug",
            default="",
            help="The retailer (default: the shopper page's, GREENSLOT['SHOPPER_RETAILER']).",
        )
        parser.add_argument(
            "--rotate", action="store_true", help="Make a new key and revoke the current one."
        )

    def handle(self, *args, slug: str, rotate: bool, **options):
        slug = slug or settings.GREENSLOT["SHOPPER_RETAILER"]
        retailer = Retailer.objects.filter(slug=slug).first()
        if retailer is None:
            raise CommandError(
                f"No retailer with slug {slug!r}; `python manage.py load_demo_city` creates the demo one."
            )
        _key, plaintext, created = demo_key_ensure(retailer=retailer, rotate=rotate)
        self.stdout.write(
            json.dumps(
                {
                    "retailer": retailer.slug,
                    "publishable_key": plaintext,
                    "file": str(demo_key_path()),
                    "created": created,
                }
            )
        )
