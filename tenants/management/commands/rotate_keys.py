"""``python manage.py rotate_keys SLUG``: new API keys for a retailer, printed once as JSON.

Without downtime: make new keys, deploy them, then revoke the old ones by prefix
(``rotate_keys SLUG --revoke sk_live_AbCd``, which creates nothing). After a leak:
``--revoke-old`` makes the new keys and revokes every other active key of those kinds at once.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tenants.keys import api_key_create, api_key_revoke
from tenants.models import ApiKey, ApiKeyKind, Retailer

KINDS = {"secret": [ApiKeyKind.SECRET], "publishable": [ApiKeyKind.PUBLISHABLE], "both": list(ApiKeyKind)}


class Command(BaseCommand):
    help = (
        "Create new API keys for a retailer (printed once as JSON), optionally revoking the old ones; "
        "or, with --revoke PREFIX, only revoke the keys with those prefixes."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The retailer's slug.")
        parser.add_argument("--kind", choices=sorted(KINDS), default="both", help="Which keys to create.")
        parser.add_argument(
            "--revoke-old",
            action="store_true",
            help="Also revoke the retailer's other active keys of those kinds (after a leak).",
        )
        parser.add_argument(
            "--revoke",
            action="append",
            default=[],
            metavar="PREFIX",
            help="Only revoke the key(s) with this prefix, e.g. sk_live_AbCd (repeatable); creates nothing.",
        )

    def handle(self, *args, slug: str, kind: str, revoke_old: bool, revoke: list[str], **options):
        retailer = Retailer.objects.filter(slug=slug).first()
        if retailer is None:
            raise CommandError(f"No retailer with slug {slug!r}.")
        output: dict[str, object] = {"retailer": retailer.name, "slug": retailer.slug}
        with transaction.atomic():
            if revoke:
                keys = list(
                    ApiKey.objects.filter(retailer=retailer, prefix__in=revoke, revoked_at__isnull=True)
                )
                missing = sorted(set(revoke) - {key.prefix for key in keys})
                if missing:
                    raise CommandError(f"No active key of {retailer.slug} with prefix {', '.join(missing)}.")
                for key in keys:
                    api_key_revoke(key=key)
                output["revoked"] = sorted(key.prefix for key in keys)
                self.stdout.write(json.dumps(output))
                return
            old = list(
                ApiKey.objects.filter(retailer=retailer, kind__in=KINDS[kind], revoked_at__isnull=True)
            )
            for key_kind in KINDS[kind]:
                _, plaintext = api_key_create(retailer=retailer, kind=key_kind, label="rotated")
                output[f"{key_kind}_key"] = plaintext
            if revoke_old:
                for key in old:
                    api_key_revoke(key=key)
                output["revoked"] = sorted(key.prefix for key in old)
        self.stdout.write(json.dumps(output))
