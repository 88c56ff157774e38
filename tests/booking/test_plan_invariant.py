"""Property: any sequence of offers, holds, confirms, releases, cancels and expiries leaves
every depot-day plan feasible according to the independent checker, and a hold is only
ever granted when the checker accepts the plan that results."""

import datetime as dt

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from booking.audit import plan_violations
from booking.models import Booking
from booking.services.holds import booking_cancel, hold_confirm, hold_create, hold_release, holds_expire
from booking.services.offers import offer_create
from fleet.adapter import plan_cache
from greenslot.errors import GreenslotError
from tests.factories import make_world

START = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 12, 2)

# Points inside the test zone, some close together, some far apart.
POINTS = [(52.06 + 0.01 * i, 5.06 + 0.009 * ((i * 7) % 10)) for i in range(9)]

hold = st.tuples(st.just("hold"), st.integers(0, len(POINTS) - 1), st.integers(0, 4), st.integers(1, 4))
operations = st.lists(
    st.one_of(
        hold,
        hold,
        hold,
        st.tuples(st.just("confirm"), st.integers(0, 30)),
        st.tuples(st.just("release"), st.integers(0, 30)),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("wait"), st.integers(1, 12)),
        st.tuples(st.just("purge")),
    ),
    min_size=5,
    max_size=30,
)


class PlanInvariantTests(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_any_sequence_of_writes_leaves_every_route_feasible(self, ops):
        plan_cache.clear()  # ids are reused across examples' rolled-back transactions
        # Tight fleet (2 vans of 5 units, short shifts) so 'full' and waiting both happen.
        world = make_world(
            dates=[DAY],
            vehicles=2,
            capacity=5,
            start_hour=8,
            end_hour=14,
            windows=[(9, 10), (10, 11), (12, 13), (9, 13), (8, 14)],
        )
        now = START
        holds: list = []
        full_seen = False
        for op in ops:
            kind = op[0]
            try:
                if kind == "hold":
                    _, point, window_index, size = op
                    offer = offer_create(
                        retailer=world.retailer,
                        lat=POINTS[point][0],
                        lon=POINTS[point][1],
                        size_units=size,
                        service_minutes=5,
                        from_date=DAY,
                        days=1,
                        now=now,
                    )
                    window = offer.days[0].windows[window_index]
                    full_seen |= any(w.reason == "full" for w in offer.days[0].windows)
                    if window.available:
                        holds.append(hold_create(retailer=world.retailer, quote=window.quote, now=now))
                        # A granted hold must leave a plan the checker accepts.
                        self.assertEqual(plan_violations(now=now), [])
                elif kind in {"confirm", "release", "cancel"} and holds:
                    target = holds[op[1] % len(holds)]
                    action = {"confirm": hold_confirm, "release": hold_release, "cancel": booking_cancel}[
                        kind
                    ]
                    action(retailer=world.retailer, booking_id=target.id, now=now)
                elif kind == "wait":
                    now += dt.timedelta(minutes=op[1])
                elif kind == "purge":
                    holds_expire(now=now)
            except GreenslotError as refusal:
                self.assertLess(refusal.status, 500)
            self.assertEqual(plan_violations(now=now), [])
        event(f"holds granted: {min(len(holds), 6)}{'+' if len(holds) >= 6 else ''}")
        event(f"a window was full: {full_seen}")
        live = Booking.objects.filter(status__in=["held", "confirmed"]).count()
        self.assertLessEqual(live, len(holds))
