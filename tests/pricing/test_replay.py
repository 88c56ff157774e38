"""What-if replay: recorded windows re-priced under two rule sets, choices predicted by the logit
model. Tiny cases whose numbers can be checked by hand."""

import datetime as dt
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.services.rule_replay import rule_set_replay
from pricing.calculation import RuleTerms
from pricing.choice import DEFAULT_CHOICE_MODEL, ChoiceModel, offer_choice_shares
from pricing.models import IncentiveRuleSet
from pricing.replay import (
    NO_PURCHASE,
    BaselineGap,
    RecordedCheck,
    RecordedOffer,
    predict_offer,
    replay_totals,
)
from pricing.services import rule_set_update
from pricing.widths import width_class
from pricing.windows import WindowCost

D = Decimal
TZ = ZoneInfo("Europe/Amsterdam")
DAY = dt.date(2026, 12, 2)


def terms(**overrides) -> RuleTerms:
    """Flat 4.00 per window; a 4-hour window gets 2.00 off; the lowest grams are green."""
    values = dict(
        version=1,
        currency="EUR",
        base_fee=D("4.00"),
        cost_passthrough=D("0"),
        width_discount_per_hour=D("1.00"),
        width_discount_max=D("2.00"),
        consolidation_max_km=D("0"),
        consolidation_discount=D("0"),
        green_max_grams=0,
        green_relative=D("0"),
        floor=D("0"),
        cap=D("10.00"),
        rounding_step=D("0.01"),
    )
    values.update(overrides)
    return RuleTerms(**values)


def window(start: int, end: int, *, km: str, grams: int, available: bool = True) -> WindowCost:
    return WindowCost(
        day=DAY,
        start=dt.datetime.combine(DAY, dt.time(start), tzinfo=TZ),
        end=dt.datetime.combine(DAY, dt.time(end), tzinfo=TZ),
        available=available,
        marginal_cost=D("0") if available else None,
        marginal_km=D(km) if available else None,
        grams=grams if available else None,
    )


# One shopper: a green 1-hour window at 4.00 and a 4-hour window at 2.00, plus a full window.
SHOPPER = (
    window(9, 10, km="2.000", grams=100),
    window(9, 13, km="0.500", grams=300),
    window(10, 11, km="0", grams=0, available=False),
)


def test_the_default_coefficients_are_the_documented_ones():
    c = DEFAULT_CHOICE_MODEL
    assert (c.price_per_eur, c.width_2h, c.width_4h, c.width_all_day, c.green, c.no_purchase) == (
        -0.6,
        -0.3,
        -0.8,
        -1.4,
        0.4,
        -1.0,
    )
    assert [c.width(h) for h in (1, 1.5, 2, 3, 4, 13)] == [0.0, -0.3, -0.3, -0.8, -0.8, -1.4]
    assert [width_class(h) for h in (1, 2, 4, 13)] == ["1 h", "2 h", "4 h", "all day"]


def test_logit_probabilities_sum_to_one_and_favour_higher_utility():
    shares, none = offer_choice_shares([0.0, -1.0], no_purchase=-1.0)

    assert sum(shares) + none == pytest.approx(1.0)
    assert shares[0] == pytest.approx(math.e / (math.e + 2))
    assert shares[1] == none


def test_it_predicts_one_shoppers_choice_by_hand():
    prediction = predict_offer(terms=terms(), windows=SHOPPER)

    # V(9-10) = -0.6 x 4.00 + 0.4 (green: the lowest grams) = -2.0
    # V(9-13) = -0.6 x 2.00 - 0.8 (4 hours)                 = -2.0;  V(none) = -1.0
    p = math.exp(-2) / (2 * math.exp(-2) + math.exp(-1))  # 0.211942
    assert prediction.probabilities == pytest.approx((p, p, 0.0))
    assert prediction.no_purchase == pytest.approx(1 - 2 * p)
    assert prediction.revenue == pytest.approx(p * 4.00 + p * 2.00)  # 1.2717
    assert prediction.km == pytest.approx(p * 2.0 + p * 0.5)  # 0.5299
    assert prediction.grams == pytest.approx(p * 100 + p * 300)  # 84.78
    assert prediction.by_width["1 h"] == pytest.approx(p) and prediction.by_width["4 h"] == pytest.approx(p)
    assert prediction.by_label["green"] == pytest.approx(p)
    assert prediction.by_label["wide"] == pytest.approx(p)


def test_a_bigger_wide_window_discount_moves_predicted_orders_to_the_wide_window():
    # 4-hour window at 1.00 instead of 2.00: V(9-13) = -0.6 - 0.8 = -1.4.
    prediction = predict_offer(terms=terms(width_discount_max=D("3.00")), windows=SHOPPER)

    total = math.exp(-2.0) + math.exp(-1.4) + math.exp(-1.0)
    assert prediction.probabilities[0] == pytest.approx(math.exp(-2.0) / total)
    assert prediction.probabilities[1] == pytest.approx(math.exp(-1.4) / total)
    assert prediction.km == pytest.approx((2.0 * math.exp(-2.0) + 0.5 * math.exp(-1.4)) / total)


def test_it_totals_recorded_published_and_draft_outcomes():
    offers = [
        RecordedOffer(
            depot_id=1, windows=SHOPPER, basket_value=None, chosen=0, paid=D("4.00"), chosen_grams=100
        ),
        RecordedOffer(depot_id=1, windows=SHOPPER, basket_value=None),  # looked, bought nothing
    ]
    published, draft = terms(), terms(width_discount_max=D("3.00"))

    recorded, pub, drf, skipped = replay_totals(
        offers=offers, published_terms=lambda depot: published, draft_terms=lambda depot: draft
    )

    assert skipped == 0
    assert (recorded.offers, recorded.orders, recorded.revenue, recorded.km, recorded.grams) == (
        2,
        1,
        4.0,
        2.0,
        100,
    )
    assert recorded.by_width[NO_PURCHASE] == 1
    one = predict_offer(terms=published, windows=SHOPPER)
    assert pub.orders == pytest.approx(2 * one.orders)
    assert pub.revenue_per_order == pytest.approx(
        one.revenue / one.orders
    )  # 3.00: half at 4.00, half at 2.00
    assert pub.revenue_per_order == pytest.approx(3.0)
    assert pub.km_per_order == pytest.approx(1.25)
    assert drf.km_per_order < pub.km_per_order, "a cheaper wide window lowers km per order"
    assert drf.orders > pub.orders


def test_it_skips_offers_at_a_depot_without_published_rules():
    offers = [RecordedOffer(depot_id=7, windows=SHOPPER, basket_value=None)]

    recorded, pub, drf, skipped = replay_totals(
        offers=offers, published_terms=lambda depot: None, draft_terms=lambda depot: terms()
    )

    assert skipped == 1 and recorded.offers == pub.offers == drf.offers == 0


def test_a_recorded_basket_earns_free_delivery_under_a_draft_threshold():
    offer = RecordedOffer(depot_id=1, windows=SHOPPER, basket_value=D("90.00"))

    _, pub, drf, _ = replay_totals(
        offers=[offer],
        published_terms=lambda depot: terms(),
        draft_terms=lambda depot: terms(free_delivery_threshold=D("80.00")),
    )

    assert drf.revenue == 0
    assert drf.orders > pub.orders


def test_the_coefficients_refuse_non_finite_values():
    with pytest.raises(ValueError, match="price_per_eur"):
        ChoiceModel(price_per_eur=float("nan"))


# --- on recorded demand in the database --------------------------------------------------------


@pytest.mark.django_db
def test_it_replays_the_recorded_offers_and_bookings_of_the_period(booked):
    rule_set_update(rule_set=booked.draft, changes={"base_fee": D("4.00")})

    report = rule_set_replay(rule_set=booked.draft, now=timezone.now(), days=1)

    # Three shoppers, each booked from their offer (conftest): recorded conversion is 100 %.
    assert report.recorded.offers == 3 and report.recorded.orders == 3
    assert report.recorded.revenue == pytest.approx(float(sum(b.price_amount for b in booked.bookings)))
    assert report.published_versions == (1,)
    revenue = next(m for m in report.metrics if m.name == "Revenue per order")
    assert revenue.change > 0, "a higher base fee raises the predicted price per order"
    orders = next(m for m in report.metrics if m.name == "Orders")
    assert orders.change < 0, "and loses some orders"


@pytest.mark.django_db
def test_a_retailer_wide_draft_does_not_reach_a_depot_with_rules_of_its_own(booked):
    IncentiveRuleSet.objects.create(
        retailer=booked.world.retailer, depot=booked.world.depot, version=3, status="published"
    )
    rule_set_update(rule_set=booked.draft, changes={"base_fee": D("9.00")})

    report = rule_set_replay(rule_set=booked.draft, now=timezone.now(), days=1)

    assert report.published_versions == (3,)
    assert report.draft.revenue == pytest.approx(report.published.revenue)


def costly(w: WindowCost, cost: str) -> WindowCost:
    return WindowCost(
        day=w.day,
        start=w.start,
        end=w.end,
        available=w.available,
        marginal_cost=D(cost) if w.available else None,
        marginal_km=w.marginal_km,
        grams=w.grams,
    )


def test_profit_is_fees_plus_basket_margin_less_the_recorded_delivery_cost():
    windows = (costly(SHOPPER[0], "1.50"), costly(SHOPPER[1], "0.50"), SHOPPER[2])
    offer = RecordedOffer(depot_id=1, windows=windows, basket_value=None, chosen=0, paid=D("4.00"))

    recorded, pub, _, _ = replay_totals(
        offers=[offer], published_terms=lambda depot: terms(), draft_terms=lambda depot: terms()
    )

    assert recorded.cost == pytest.approx(1.50)
    assert recorded.profit(basket_margin=10.0) == pytest.approx(4.00 + 10.0 - 1.50)
    p = pub.by_width["1 h"]  # both windows have the same utility (see above): p each
    assert pub.cost == pytest.approx(p * 1.50 + p * 0.50)
    assert pub.profit(basket_margin=0.0) == pytest.approx(pub.revenue - pub.cost)


def test_the_check_re_prices_the_booked_windows_and_averages_the_windows_on_sale():
    paid_more = RecordedOffer(depot_id=1, windows=SHOPPER, basket_value=None, chosen=0, paid=D("5.00"))
    paid_list = RecordedOffer(depot_id=1, windows=SHOPPER, basket_value=None, chosen=1, paid=D("2.00"))
    check = RecordedCheck()

    replay_totals(
        offers=[paid_more, paid_list],
        published_terms=lambda depot: terms(),
        draft_terms=lambda depot: terms(),
        check=check,
    )

    assert (check.repriced, check.repriced_same) == (2, 1)  # 4.00 now, 5.00 paid; 2.00 both
    assert check.mean_offered_price == pytest.approx(3.00)  # 4.00 and 2.00, twice
    assert check.mean_offered_km == pytest.approx(1.25)


def test_a_baseline_gap_within_ten_percent_agrees():
    assert BaselineGap("Orders", 100.0, 109.0).within_tolerance
    assert not BaselineGap("Orders", 100.0, 89.0).within_tolerance
    assert BaselineGap("Orders", 100.0, 89.0).gap_pct == pytest.approx(-11.0)
    assert BaselineGap("Km", None, None).within_tolerance and BaselineGap("Km", 0.0, 0.0).gap is None
