"""Setting a depot up: what it still lacks before shoppers can book, in the order an operator adds
it, and a test offer priced exactly as a shopper's would be, recording nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from booking.models import WindowTemplate
from booking.services.offer_windows import WindowOffer
from booking.services.offers import (
    DayOffer,
    OfferRequest,
    ParcelInput,
    offer_evaluate_days,
    offer_price,
    published_rules,
)
from fleet.models import Depot, ServiceZone, Shift, ShiftPattern, Vehicle
from pricing.calculation import RuleTerms
from pricing.models import IncentiveRuleSet, RuleSetStatus
from tenants.models import ApiKey, Retailer

from .day_board import REASON_TEXT, probe_point

TEST_OFFER_SIZE_UNITS = 1
TEST_OFFER_SERVICE_MINUTES = 5


@dataclass(frozen=True)
class SetupStep:
    """One thing a depot needs: ``key`` names it (``zone``, ``vehicles``, ...), ``done`` says whether
    it has it, ``detail`` what there is, and ``action`` the URL of the admin page that adds it
    (with the depot filled in where the page takes it; empty where the checklist page acts itself)."""

    key: str
    title: str
    done: bool
    detail: str
    action: str
    action_label: str


@dataclass(frozen=True)
class SetupChecklist:
    depot: Depot
    steps: tuple[SetupStep, ...]
    retailers: tuple[Retailer, ...]

    @property
    def missing(self) -> tuple[SetupStep, ...]:
        return tuple(step for step in self.steps if not step.done)

    @property
    def ready(self) -> bool:
        return not self.missing


def retailers_selling_at(depot: Depot) -> tuple[Retailer, ...]:
    """Retailers with published rules that price offers at ``depot`` (its own or retailer-wide)."""
    published = IncentiveRuleSet.objects.filter(
        Q(depot=depot) | Q(depot__isnull=True), status=RuleSetStatus.PUBLISHED
    ).values("retailer_id")
    return tuple(Retailer.objects.filter(id__in=published).order_by("name"))


def depot_setup_checklist(*, depot: Depot, now: dt.datetime) -> SetupChecklist:
    """What ``depot`` has and lacks, from zone to key."""
    today = timezone.localtime(now, depot.tz).date()
    horizon_last = today + dt.timedelta(days=settings.GREENSLOT["HORIZON_DAYS"] - 1)
    zones = ServiceZone.objects.filter(depot=depot, is_active=True).count()
    vehicles = Vehicle.objects.filter(depot=depot, is_active=True).count()
    patterns = ShiftPattern.objects.filter(vehicle__depot=depot).count()
    days_with_shifts = (
        Shift.objects.filter(
            depot_day__depot=depot, depot_day__date__gte=today, depot_day__date__lte=horizon_last
        )
        .values("depot_day")
        .distinct()
        .count()
    )
    templates = WindowTemplate.objects.filter(depot=depot, is_active=True).count()
    retailers = retailers_selling_at(depot)
    keyed = set(
        ApiKey.objects.filter(retailer__in=retailers, revoked_at__isnull=True).values_list(
            "retailer_id", flat=True
        )
    )
    # "Create a key" opens the first retailer selling here that has no active key yet.
    unkeyed = [r for r in retailers if r.pk not in keyed]
    key_retailer = (unkeyed or retailers or (None,))[0]
    d = depot.pk
    steps = (
        SetupStep(
            "zone",
            "Service zone",
            zones > 0,
            f"{zones} active zone(s)",
            reverse("admin:fleet_servicezone_add") + f"?depot={d}",
            "Add a zone",
        ),
        SetupStep(
            "vehicles",
            "Vehicles",
            vehicles > 0,
            f"{vehicles} active vehicle(s)",
            reverse("admin:fleet_vehicle_add") + f"?depot={d}",
            "Add a vehicle",
        ),
        SetupStep(
            "roster",
            "Weekly roster",
            patterns > 0,
            f"{patterns} shift pattern(s)",
            reverse("admin:fleet_shiftpattern_add"),
            "Add a shift pattern",
        ),
        SetupStep(
            "days",
            "Shifts in the coming days",
            days_with_shifts > 0,
            f"{days_with_shifts} of the next {settings.GREENSLOT['HORIZON_DAYS']} days have vans",
            "",
            "Fill the coming days from the roster",
        ),
        SetupStep(
            "windows",
            "Delivery windows",
            templates > 0,
            f"{templates} active window template(s)",
            reverse("admin:booking_windowtemplate_add") + f"?depot={d}",
            "Add a window",
        ),
        SetupStep(
            "rules",
            "Published incentive rules for a retailer",
            bool(retailers),
            ", ".join(r.name for r in retailers) or "no retailer has published rules here",
            reverse("admin:pricing_incentiveruleset_add") + f"?depot={d}",
            "Add rules",
        ),
        SetupStep(
            "key",
            "An API key for each retailer",
            bool(retailers) and not unkeyed,
            f"{len(keyed)} of {len(retailers)} retailer(s) with an active key"
            + (f"; next: {unkeyed[0].name}" if unkeyed and keyed else ""),
            reverse("admin:tenants_retailer_change", args=[key_retailer.pk])
            if key_retailer
            else reverse("admin:tenants_retailer_add"),
            "Create a key",
        ),
    )
    return SetupChecklist(depot=depot, steps=steps, retailers=retailers)


@dataclass(frozen=True)
class TestOfferDay:
    """One day of a test offer, with what an operator checks first: how many windows are on sale
    and the cheapest and dearest price among them."""

    offer: DayOffer

    @property
    def date(self) -> dt.date:
        return self.offer.date

    @property
    def rows(self) -> list[tuple[WindowOffer, str]]:
        """Each window with, when it is not on sale, why in an operator's words."""
        return [(w, "" if w.available else REASON_TEXT.get(w.reason, w.reason)) for w in self.offer.windows]

    @property
    def on_sale(self) -> int:
        return sum(1 for w in self.offer.windows if w.available)

    @property
    def prices(self) -> tuple[Decimal, Decimal] | None:
        amounts = [w.price.amount for w in self.offer.windows if w.available and w.price is not None]
        return (min(amounts), max(amounts)) if amounts else None


@dataclass(frozen=True)
class TestOffer:
    depot: Depot
    retailer: Retailer
    rule_version: int
    currency: str
    point: tuple[float, float]
    days: tuple[TestOfferDay, ...]

    @property
    def windows_on_sale(self) -> int:
        return sum(day.on_sale for day in self.days)


def depot_test_offer(*, depot: Depot, retailer: Retailer, now: dt.datetime) -> TestOffer:
    """The offer a shopper inside ``depot``'s zone would get from ``retailer`` now, over the booking
    horizon: evaluated and priced by the offer service's own steps, but neither recorded nor signed,
    so it leaves no offer in the dashboards and no quote that could be held.

    Raises the offer path's errors (``no_published_rules``, ...) as ``GreenslotError``.
    """
    lat, lon = probe_point(depot)
    rule_set = published_rules(retailer=retailer, depot=depot)
    terms = RuleTerms.from_rule_set(rule_set)
    request = OfferRequest(
        depot=depot,
        lat=lat,
        lon=lon,
        parcel=ParcelInput(size_units=TEST_OFFER_SIZE_UNITS, service_minutes=TEST_OFFER_SERVICE_MINUTES),
        from_date=timezone.localtime(now, depot.tz).date(),
        days=settings.GREENSLOT["HORIZON_DAYS"],
        zone_id=ServiceZone.objects.filter(depot=depot, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
        .first(),
    )
    evaluated, _ = offer_evaluate_days(request=request, now=now, three_costs=terms.prices_by_three_costs)
    days = offer_price(days=evaluated, terms=terms)
    return TestOffer(
        depot=depot,
        retailer=retailer,
        rule_version=terms.version,
        currency=retailer.currency,
        point=(lat, lon),
        days=tuple(TestOfferDay(day) for day in days),
    )
