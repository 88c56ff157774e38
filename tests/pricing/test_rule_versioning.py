"""An offer keeps the version that priced it; the shopper pays what the quote says."""

from decimal import Decimal

import pytest

from booking.quotes import quote_verify
from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from pricing.models import IncentiveRuleSet, RuleSetStatus
from pricing.services import rule_set_draft_from, rule_set_publish, rule_set_update
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db


def offer(world, now, date, **extra):
    return offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
        **extra,
    )


def first_available(result):
    return next(w for w in result.days[0].windows if w.available)


def test_an_offer_priced_under_v1_keeps_v1_after_v2_is_published(now, tomorrow):
    world = make_world(dates=[tomorrow])
    IncentiveRuleSet.objects.filter(pk=world.rules.pk).update(cap=Decimal("50.00"))  # never capped
    world.rules.refresh_from_db()
    v1_offer = offer(world, now, tomorrow)
    v1_window = first_available(v1_offer)
    v2 = rule_set_draft_from(rule_set=world.rules)
    rule_set_update(rule_set=v2, changes={"base_fee": Decimal("1.00")})

    rule_set_publish(rule_set=v2, now=now)
    v2_window = first_available(offer(world, now, tomorrow))
    hold = hold_create(retailer=world.retailer, quote=v1_window.quote, now=now)
    booking, _ = hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)

    assert quote_verify(token=v1_window.quote, retailer_id=world.retailer.id).offer_id == v1_offer.offer.id
    assert v1_offer.offer.rule_set.version == 1
    assert v2_window.price.amount == v1_window.price.amount - Decimal("2.00")
    assert (booking.rule_version, booking.price_amount) == (1, v1_window.price.amount)
    assert booking.price_breakdown == v1_window.price.breakdown()


def test_an_offer_at_a_depot_with_its_own_rules_records_them(now, tomorrow):
    world = make_world(dates=[tomorrow])
    own = IncentiveRuleSet.objects.create(
        retailer=world.retailer,
        depot=world.depot,
        version=2,
        status=RuleSetStatus.PUBLISHED,
        base_fee=Decimal("9.00"),
        pricing_mode="passthrough",
    )

    result = offer(world, now, tomorrow)

    assert result.offer.rule_set == own
    assert result.rule_version == 2
    assert first_available(result).price.lines[0].amount == Decimal("9.00")


def test_a_basket_over_the_threshold_gets_every_window_free_and_the_offer_records_it(now, tomorrow):
    world = make_world(dates=[tomorrow])
    IncentiveRuleSet.objects.filter(pk=world.rules.pk).update(free_delivery_threshold=Decimal("50.00"))

    free = offer(world, now, tomorrow, basket_value=Decimal("50.00"))
    paid = offer(world, now, tomorrow, basket_value=Decimal("49.99"))

    available = [w for w in free.days[0].windows if w.available]
    assert available and all(w.price.amount == Decimal("0.00") for w in available)
    assert all(w.price.lines[-1].code == "free_delivery" for w in available)
    assert all(w.price.amount > 0 for w in paid.days[0].windows if w.available)
    assert {w["basket_value"] for w in free.offer.windows} == {"50.00"}


@pytest.mark.parametrize("bad", [50.0, Decimal("-1.00"), Decimal("1.001"), "50"])
def test_it_refuses_a_basket_value_that_is_not_a_decimal_amount(now, tomorrow, bad):
    world = make_world(dates=[tomorrow])

    with pytest.raises((TypeError, ValueError)):
        offer(world, now, tomorrow, basket_value=bad)


def test_the_offer_records_the_booked_stops_near_each_window(now, tomorrow):
    world = make_world(dates=[tomorrow])
    neighbour = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0] + 0.001,
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=tomorrow,
        days=1,
        now=now,
    )
    nine_to_ten = next(w for w in neighbour.days[0].windows if (w.start.hour, w.end.hour) == (9, 10))
    hold_confirm(
        retailer=world.retailer,
        booking_id=hold_create(retailer=world.retailer, quote=nine_to_ten.quote, now=now).id,
        now=now,
    )

    records = {(r["start"][11:16], r["end"][11:16]): r for r in offer(world, now, tomorrow).offer.windows}

    # The neighbour is 111 m north, booked 9-10: near the 9-10, 9-13 and all-day windows only.
    assert records[("09:00", "10:00")]["nearby_m"] == [111]
    assert records[("09:00", "13:00")]["nearby_m"] == [111]
    assert records[("08:00", "20:00")]["nearby_m"] == [111]
    assert records[("10:00", "11:00")]["nearby_m"] == []
