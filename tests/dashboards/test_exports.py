"""Exports: the bookings CSV (filtered, streamed, in the depot's local time) and a depot-day's
routes as CSV and as a printable manifest, for staff who may see bookings, and never another
depot's rows."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from booking.models import BookingStatus
from booking.services.holds import hold_create
from booking.services.offers import offer_create

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def hold_one_more(two_depots, now):
    """A hold (not confirmed) at the depot ``dep`` on the booked day."""
    world = two_depots.world
    offer = offer_create(
        retailer=world.retailer,
        lat=52.113,
        lon=5.11,
        size_units=1,
        service_minutes=3,
        from_date=two_depots.date,
        days=1,
        now=now,
    )
    window = next(w for w in offer.days[0].windows if w.available)
    return hold_create(retailer=world.retailer, quote=window.quote, now=now)


def bookings_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("dashboards:bookings-csv") + (f"?{query}" if query else "")


def test_it_streams_every_booking_with_local_times_labelled_by_zone(admin_client, two_depots):
    rows = read_csv(admin_client.get(bookings_url()))

    assert len(rows) == 4
    first = next(r for r in rows if r["reference"] == two_depots.bookings[0].reference)
    # 09:00-10:00 in Amsterdam in December (UTC+1), not the stored 08:00 UTC.
    assert first["window_start"] == f"{two_depots.date.isoformat()}T09:00+01:00"
    assert first["window_end"] == f"{two_depots.date.isoformat()}T10:00+01:00"
    assert first["time_zone"] == "Europe/Amsterdam"
    assert first["address"] == "Oudegracht 1"
    assert first["size_units"] == "2" and first["service_minutes"] == "4"
    assert first["state"] == "confirmed"
    assert first["price"] == str(two_depots.bookings[0].price_amount)
    assert first["created"].endswith("+01:00")


def test_it_filters_by_depot_without_leaking_the_other_depot(admin_client, two_depots):
    rows = read_csv(admin_client.get(bookings_url(depot="dep")))

    assert {r["reference"] for r in rows} == {b.reference for b in two_depots.bookings}
    assert "Secret Lane 99" not in {r["address"] for r in rows}

    other = read_csv(admin_client.get(bookings_url(depot="oth")))
    assert [r["reference"] for r in other] == [two_depots.other_booking.reference]


def test_it_filters_by_delivery_dates_retailer_and_state(admin_client, two_depots, now):
    day = two_depots.date.isoformat()
    held = hold_one_more(two_depots, now)

    assert len(read_csv(admin_client.get(bookings_url(date_from=day, date_to=day)))) == 5
    assert (
        read_csv(
            admin_client.get(bookings_url(date_from=(two_depots.date + dt.timedelta(days=1)).isoformat()))
        )
        == []
    )
    assert len(read_csv(admin_client.get(bookings_url(retailer="shop")))) == 5
    assert (
        read_csv(admin_client.get(bookings_url(retailer="shop", state="held")))[0]["reference"]
        == held.reference
    )
    assert len(read_csv(admin_client.get(bookings_url(state=BookingStatus.CONFIRMED)))) == 4


def test_a_lapsed_hold_is_exported_as_expired(admin_client, two_depots, now):
    held = hold_one_more(two_depots, now)
    held.hold_expires_at = now
    held.save(update_fields=["hold_expires_at"])

    assert read_csv(admin_client.get(bookings_url(state="held"))) == []
    assert [r["reference"] for r in read_csv(admin_client.get(bookings_url(state="expired")))] == [
        held.reference
    ]


def test_it_refuses_bad_filters_with_a_code_and_message(admin_client, two_depots):
    for params in (
        {"date_from": "tomorrow"},
        {"depot": "nowhere"},
        {"state": "lost"},
        {"date_from": "2026-12-05", "date_to": "2026-12-01"},
    ):
        response = admin_client.get(bookings_url(**params))
        assert response.status_code == 400, params
        assert response.json()["code"] == "invalid_filter"
        assert response.json()["message"]


def routes_urls(two_depots, depot="dep"):
    day = two_depots.date.isoformat()
    return reverse("dashboards:routes-csv", args=[depot, day]), reverse(
        "dashboards:manifest", args=[depot, day]
    )


def test_the_routes_csv_lists_each_vehicles_stops_in_order_with_local_arrivals(admin_client, two_depots):
    csv_url, _ = routes_urls(two_depots)

    rows = read_csv(admin_client.get(csv_url))

    assert {r["reference"] for r in rows} == {b.reference for b in two_depots.bookings}
    assert all(r["depot"] == "dep" and r["time_zone"] == "Europe/Amsterdam" for r in rows)
    for vehicle in {r["vehicle"] for r in rows}:
        stops = [r for r in rows if r["vehicle"] == vehicle]
        assert [int(r["stop"]) for r in stops] == list(range(1, len(stops) + 1))
        starts = [r["planned_start"] for r in stops]
        assert starts == sorted(starts) and all(a.endswith("+01:00") for a in starts)
        assert all(r["planned_arrival"] <= r["planned_start"] for r in stops)
    by_ref = {r["reference"]: r for r in rows}
    nine = by_ref[two_depots.bookings[0].reference]
    assert nine["window_start"].endswith("T09:00+01:00")
    assert "09:00" <= nine["planned_start"][11:16] <= "10:00"  # due at the door within the window
    assert nine["address"] == "Oudegracht 1"
    assert "Secret Lane 99" not in {r["address"] for r in rows}


def test_the_manifest_prints_a_page_per_vehicle_with_the_stops(admin_client, two_depots):
    _, manifest_url = routes_urls(two_depots)

    body = admin_client.get(manifest_url).content.decode()

    assert (
        body.count('class="manifest-vehicle') == 2
    )  # V1 and V2, each its own printed page (if it has stops)
    assert "break-before: page" in body
    for line in ("Oudegracht 1", "Oudegracht 2", "Oudegracht 3"):
        assert line in body
    assert "09:00–10:00" in body and "Europe/Amsterdam" in body
    assert "Secret Lane 99" not in body


def test_the_other_depots_manifest_holds_only_its_own_stop(admin_client, two_depots):
    csv_url, manifest_url = routes_urls(two_depots, depot="oth")

    body = admin_client.get(manifest_url).content.decode()
    rows = read_csv(admin_client.get(csv_url))

    assert "Secret Lane 99" in body and "Oudegracht" not in body
    assert [r["reference"] for r in rows] == [two_depots.other_booking.reference]


def test_a_day_without_a_plan_has_no_routes_csv_and_says_so_on_the_manifest(admin_client, two_depots):
    day = (two_depots.date + dt.timedelta(days=1)).isoformat()

    assert admin_client.get(reverse("dashboards:routes-csv", args=["dep", day])).status_code == 404
    assert (
        "No vehicles are planned"
        in admin_client.get(reverse("dashboards:manifest", args=["dep", day])).content.decode()
    )
    assert admin_client.get(reverse("dashboards:manifest", args=["dep", "someday"])).status_code == 404


def test_exports_are_for_staff_who_may_see_bookings(client, two_depots, staff_without_rights, booking_viewer):
    csv_url, manifest_url = routes_urls(two_depots)
    urls = [reverse("dashboards:exports"), bookings_url(), csv_url, manifest_url]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"], url

    client.force_login(staff_without_rights)
    for url in urls:
        assert client.get(url).status_code == 403, url

    client.force_login(booking_viewer)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_booking_lists_export_link_carries_its_filters(admin_client, two_depots):
    depot, retailer = two_depots.world.depot, two_depots.world.retailer
    day = two_depots.date

    response = admin_client.get(
        reverse("admin:booking_booking_changelist"),
        {
            "status__exact": "confirmed",
            "retailer__id__exact": retailer.pk,
            "depot_day__depot__id__exact": depot.pk,
            "window_start__year": day.year,
            "window_start__month": day.month,
            "window_start__day": day.day,
        },
    )

    query = f"state=confirmed&amp;retailer=shop&amp;depot=dep&amp;date_from={day}&amp;date_to={day}"
    assert f'href="{reverse("dashboards:exports")}?{query}"' in response.content.decode()
    form_page = admin_client.get(
        reverse("dashboards:exports") + "?" + query.replace("&amp;", "&")
    ).content.decode()
    assert 'value="dep" selected' in form_page and f'value="{day}"' in form_page


def test_the_booking_lists_export_link_by_month_spans_the_month(admin_client, two_depots):
    body = admin_client.get(
        reverse("admin:booking_booking_changelist"), {"window_start__year": 2026, "window_start__month": 12}
    ).content.decode()

    assert "date_from=2026-12-01&amp;date_to=2026-12-31" in body
