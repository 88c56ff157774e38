"""Pricing many windows fast gives the very prices, labels and terms of pricing them one by one.

``price_windows`` prices through the terms' ``WindowPriceMemo`` (whole prices keyed on their parts,
kept across offers), labels through ``window_labels``, and ``RuleTerms.from_rule_set`` shares one
terms value per rule-set content. Each is checked here against the plain definitions:
``window_price`` and ``offer_labels`` window by window, and fresh terms.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.calculation import (
    CONSOLIDATE_BY_KM,
    CONSOLIDATE_BY_NEARBY,
    PeakPeriod,
    RuleTerms,
    window_price,
)
from pricing.labels import LabelInput, offer_labels
from pricing.models import IncentiveRuleSet
from pricing.windows import WindowCost, price_windows

D = Decimal
TZ = ZoneInfo("Europe/Amsterdam")
# A Friday, a Saturday, and the Sunday the clocks go back (a 25-hour day).
DAYS = (dt.date(2026, 10, 23), dt.date(2026, 10, 24), dt.date(2026, 10, 25))

cents = st.integers(min_value=0, max_value=1_500).map(lambda c: D(c) / 100)


@st.composite
def any_terms(draw) -> RuleTerms:
    floor = draw(cents)
    peaks = draw(
        st.lists(
            st.builds(
                lambda start, hours, amount, weekdays: PeakPeriod(
                    start=dt.time(start),
                    end=dt.time(min(start + hours, 23)),
                    amount=amount,
                    weekdays=weekdays,
                ),
                st.integers(6, 21),
                st.integers(1, 3),
                cents,
                st.sampled_from([(), (1, 2, 3, 4, 5), (5,), (6, 7)]),
            ),
            max_size=2,
        )
    )
    return RuleTerms(
        version=draw(st.integers(1, 9)),
        currency="EUR",
        base_fee=draw(cents),
        cost_passthrough=D(draw(st.integers(0, 2_000))) / 1000,
        width_discount_per_hour=draw(cents),
        width_discount_max=draw(cents),
        consolidation_max_km=D(draw(st.integers(0, 300))) / 100,
        consolidation_discount=draw(cents),
        green_max_grams=draw(st.integers(0, 400)),
        green_relative=D(draw(st.integers(0, 100))) / 100,
        floor=floor,
        cap=floor + draw(cents),
        rounding_step=draw(st.sampled_from([D("0.01"), D("0.05"), D("0.10"), D("0.25"), D("1.00")])),
        peak_periods=tuple(peaks),
        free_delivery_threshold=draw(st.none() | cents),
        consolidation_by=draw(st.sampled_from([CONSOLIDATE_BY_KM, CONSOLIDATE_BY_NEARBY])),
        consolidation_radius_m=draw(st.integers(1, 2_000)),
        consolidation_min_stops=draw(st.integers(1, 10)),
    )


# Marginal costs cluster on a few cents with sub-cent offsets (4.4378 and 4.4412 share a route
# line), so windows with different inputs but equal price parts meet in the memo.
marginal_costs = st.builds(
    lambda cents_, offset: D(cents_) / 100 + D(offset) / 10_000,
    st.sampled_from([-30, 0, 1, 99, 250, 444, 445, 1_000]),
    st.integers(-60, 60),
)


@st.composite
def any_window(draw) -> WindowCost:
    day = draw(st.sampled_from(DAYS))
    start = draw(st.integers(7, 19))
    end = min(start + draw(st.sampled_from([1, 2, 4, 13])), 23)
    available = draw(st.booleans())
    return WindowCost(
        day=day,
        start=dt.datetime.combine(day, dt.time(start), tzinfo=TZ),
        end=dt.datetime.combine(day, dt.time(end), tzinfo=TZ),
        available=available,
        marginal_cost=draw(marginal_costs) if available else None,
        marginal_km=D(draw(st.integers(-20, 3_000))) / 1000 if available else None,
        grams=draw(st.integers(0, 900)) if available else None,
        nearby_metres=tuple(sorted(draw(st.lists(st.integers(0, 2_000), max_size=10)))),
    )


baskets = st.none() | cents


def priced_one_by_one(terms: RuleTerms, windows, basket_value):
    """The definition: ``window_price`` per window, then ``offer_labels`` over the offer."""
    prices, consolidating = [], []
    for w in windows:
        if not w.available:
            prices.append(None)
            consolidating.append(False)
            continue
        stops = terms.nearby_stops(w.nearby_metres)
        prices.append(
            window_price(
                terms=terms,
                marginal_cost=w.marginal_cost,
                window_hours=w.hours,
                marginal_km=w.marginal_km,
                nearby_stops=stops,
                peak_surcharge=terms.peak_surcharge(start=w.start, end=w.end),
                basket_value=basket_value,
            )
        )
        consolidating.append(terms.consolidates(w.marginal_km, stops))
    labels = offer_labels(
        terms=terms,
        windows=[
            LabelInput(
                available=w.available,
                price=p.list_amount if p else D(0),
                grams=w.grams or 0,
                window_hours=w.hours,
                consolidates=c,
                day_key=w.day,
            )
            for w, p, c in zip(windows, prices, consolidating, strict=True)
        ],
    )
    return prices, labels


@settings(max_examples=150, deadline=None)
@given(
    terms=any_terms(),
    first=st.lists(any_window(), min_size=1, max_size=25),
    second=st.lists(any_window(), min_size=1, max_size=25),
    baskets=st.tuples(baskets, baskets),
)
def test_pricing_an_offer_gives_each_window_the_price_and_labels_of_pricing_it_alone(
    terms, first, second, baskets
):
    # Two offers under the same terms: the second meets the memo the first filled.
    for windows, basket in zip((first, second), baskets, strict=True):
        priced = price_windows(terms=terms, windows=windows, basket_value=basket)

        prices, labels = priced_one_by_one(terms, windows, basket)
        assert [p.price for p in priced] == prices
        # Equal down to the digits: "1.0" and "1.00" are equal Decimals but different breakdowns.
        assert [p.price.breakdown() if p.price else None for p in priced] == [
            p.breakdown() if p else None for p in prices
        ]
        assert [p.labels for p in priced] == labels


@settings(max_examples=200, deadline=None)
@given(
    terms=any_terms(),
    inputs=st.lists(
        st.tuples(marginal_costs, st.sampled_from(["1", "2", "4", "13", "1.5"]), st.integers(-20, 3_000)),
        min_size=1,
        max_size=30,
    ),
    stops=st.integers(0, 10),
    free=st.booleans(),
)
def test_the_price_memo_answers_what_window_price_answers(terms, inputs, stops, free):
    memo = terms.window_memo
    basket = terms.free_delivery_threshold if free else None
    for cost, hours, metres in inputs:
        km = D(metres) / 1000
        expected = window_price(
            terms=terms,
            marginal_cost=cost,
            window_hours=D(hours),
            marginal_km=km,
            nearby_stops=stops,
            basket_value=basket,
        )

        got = memo.window_price(
            marginal_cost=cost,
            window_hours=D(hours),
            marginal_km=km,
            nearby_stops=stops,
            consolidates=terms.consolidates(km, stops),
            peak_surcharge=D("0.00"),
            free_delivery=terms.free_delivery(basket),
        )

        assert got == expected
        assert got.breakdown() == expected.breakdown()


def test_the_breakdown_is_fresh_on_every_call():
    t = RuleTerms.from_rule_set(IncentiveRuleSet(version=1))
    price = window_price(terms=t, marginal_cost=D("1.2345"), window_hours=D(1), marginal_km=D("2"))

    price.breakdown()[0]["amount"] = "999.00"

    assert price.breakdown()[0]["amount"] == "3.00"


# --- terms per rule-set content ---------------------------------------------------------------


def test_a_rule_set_with_the_same_terms_gets_the_same_terms_and_memo():
    first = RuleTerms.from_rule_set(IncentiveRuleSet(version=3, base_fee=D("2.50")))
    again = RuleTerms.from_rule_set(IncentiveRuleSet(version=3, base_fee=D("2.50")))

    assert again is first
    assert again.window_memo is first.window_memo


def test_an_edited_rule_set_gets_its_own_terms_even_unsaved_and_at_the_same_version():
    rule_set = IncentiveRuleSet(version=3, base_fee=D("2.50"))
    before = RuleTerms.from_rule_set(rule_set)

    rule_set.base_fee = D("2.60")
    rule_set.peak_surcharges = [{"start": "17:00", "end": "18:00", "amount": "1.00"}]
    after = RuleTerms.from_rule_set(rule_set)

    assert (before.base_fee, before.peak_periods) == (D("2.50"), ())
    assert after.base_fee == D("2.60") and len(after.peak_periods) == 1


def test_terms_keep_the_digits_of_their_rule_set():
    # Equal Decimals with other digits are other terms: prices and breakdowns show the digits.
    two = RuleTerms.from_rule_set(IncentiveRuleSet(version=3, floor=D("2.00")))
    bare = RuleTerms.from_rule_set(IncentiveRuleSet(version=3, floor=D("2")))

    assert bare is not two
    assert str(bare.floor) == "2" and str(two.floor) == "2.00"


def test_a_float_in_a_rule_set_is_refused_even_when_the_decimal_terms_are_known():
    RuleTerms.from_rule_set(IncentiveRuleSet(version=4, base_fee=D("3.0")))

    with pytest.raises(TypeError, match="base_fee"):
        RuleTerms.from_rule_set(IncentiveRuleSet(version=4, base_fee=3.0))
