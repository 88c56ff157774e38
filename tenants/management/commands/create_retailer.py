"""``python manage.py create_retailer NAME --origin URL``: a new tenant, ready to call the API.

Prints the new keys as JSON once; only their SHA-256 is kept, so save them now.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from greenslot import clock
from pricing.models import IncentiveRuleSet, RuleSetStatus
from tenants.keys import api_key_create
from tenants.models import ApiKeyKind, Retailer
from tenants.origins import origins_normalised


class Command(BaseCommand):
    help = (
        "Create a retailer with a published default rule set (v1), one secret and one publishable API key; "
        "prints {retailer, slug, secret_key, publishable_key} as JSON. The keys are shown only this once."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The retailer's name; its slug is made from it.")
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            dest="origins",
            help="An origin allowed to use the publishable key (repeatable), e.g. https://shop.example.com.",
        )
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")
        parser.add_argument("--slug", default="", help="Slug to use instead of one made from the name.")

    def handle(self, *args, name: str, origins: list[str], currency: str, slug: str, **options):
        name = name.strip()
        slug = slugify(slug or name)[:64]
        if not name or not slug:
            raise CommandError("The retailer needs a name with at least one letter or digit.")
        currency = currency.strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise CommandError(f"--currency {currency!r}: expected a three-letter ISO 4217 code.")
        try:
            allowed = origins_normalised(origins)
        except ValueError as error:
            raise CommandError(f"--origin {error}") from error
        with transaction.atomic():
            if Retailer.objects.filter(slug=slug).exists():
                raise CommandError(
                    f"A retailer with slug {slug!r} exists already; pass --slug to choose another."
                )
            retailer = Retailer.objects.create(
                name=name, slug=slug, currency=currency, allowed_origins=allowed
            )
            IncentiveRuleSet.objects.create(
                retailer=retailer,
                version=1,
                status=RuleSetStatus.PUBLISHED,
                name="Default rules",
                currency=currency,
                published_at=clock.now(),
            )
            _, secret = api_key_create(
                retailer=retailer, kind=ApiKeyKind.SECRET, label="created with the retailer"
            )
            _, publishable = api_key_create(
                retailer=retailer, kind=ApiKeyKind.PUBLISHABLE, label="created with the retailer"
            )
        self.stdout.write(
            json.dumps(
                {
                    "retailer": retailer.name,
                    "slug": retailer.slug,
                    "secret_key": secret,
                    "publishable_key": publishable,
                }
            )
        )
