"""POST /api/v1/offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from booking.api.views.offers import OfferSerializer, offer_representation
from booking.models import Offer
from booking.services.offers import offer_create
from greenslot.errors import GreenslotError
from tests.api.support import ORIGIN, Api, ApiWorld, assert_error, local_today, offer_body
from tests.factories import INSIDE, OUTSIDE

pytestmark = pytest.mark.django_db


def test_it_offers_every_window_of_the_horizon_in_the_depots_local_time(api: Api, api_world: ApiWorld):
    response = api.post(
        "/api/v1/offers", offer_body(from_date=api_world.day1.isoformat()), key=api_world.keys["own_sk"]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"offer_id", "expires_at", "currency", "days"}
    assert Offer.objects.filter(id=body["offer_id"], retailer=api_world.retailer).exists()
    assert body["currency"] == "EUR"
    assert [d["date"] for d in body["days"]] == [api_world.day1.isoformat(), api_world.day2.isoformat()]
    windows = body["days"][0]["windows"]
    assert len(windows) == 5
    for window in windows:
        assert set(window) == {
            "start",
            "end",
            "available",
            "reason",
            "price",
            "co2e_grams",
            "labels",
            "claim",
            "quote",
        }
        start = dt.datetime.fromisoformat(window["start"])
        assert start.utcoffset() == dt.timedelta(hours=1)  # Amsterdam in winter: local time, not UTC
        assert start.date() == api_world.day1
        assert window["available"] and window["reason"] is None and window["quote"]
        price = window["price"]
        assert isinstance(price["amount"], str) and price["currency"] == "EUR"
        assert sum(Decimal(line["amount"]) for line in price["breakdown"]) == Decimal(price["amount"])
        assert {"code", "label", "amount"} == set(price["breakdown"][0])
        assert isinstance(window["co2e_grams"], int)


def test_unavailable_windows_carry_a_reason_and_no_price_or_quote(api: Api, api_world: ApiWorld):
    # Today has no shifts in this world, and its windows may also have closed already.
    body = api.post("/api/v1/offers", offer_body(days=1), key=api_world.keys["own_sk"]).json()
    assert body["days"][0]["date"] == local_today().isoformat()
    for window in body["days"][0]["windows"]:
        assert window["available"] is False
        assert window["reason"] in {"no_shift", "cutoff_passed"}
        assert (window["price"], window["co2e_grams"], window["quote"]) == (None, None, None)


def test_it_keeps_the_address_text_on_the_offer(api: Api, api_world: ApiWorld):
    body = offer_body()
    body["address"] |= {"line1": "Domplein 1", "postcode": "3512 JC", "city": "Utrecht", "country": "NL"}
    offer_id = api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]).json()["offer_id"]
    assert Offer.objects.get(id=offer_id).address == {
        "line1": "Domplein 1",
        "postcode": "3512 JC",
        "city": "Utrecht",
        "country": "NL",
    }


def test_a_publishable_key_from_an_allowed_origin_gets_offers(api: Api, api_world: ApiWorld):
    response = api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_pk"], origin=ORIGIN)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "field_path"),
    [
        (lambda b: b["address"].update(lat="abc"), ("address", "lat")),
        (lambda b: b["address"].update(lat=91), ("address", "lat")),
        (lambda b: b["address"].update(lon=None), ("address", "lon")),
        (lambda b: b["address"].pop("lon"), ("address", "lon")),
        (lambda b: b["parcel"].update(size_units=-1), ("parcel", "size_units")),
        (lambda b: b["parcel"].update(size_units=1.5), ("parcel", "size_units")),
        (lambda b: b["parcel"].update(size_units=True), ("parcel", "size_units")),
        (lambda b: b["parcel"].update(service_minutes=0), ("parcel", "service_minutes")),
        (lambda b: b["parcel"].update(service_minutes=241), ("parcel", "service_minutes")),
        (lambda b: b.update(days="x"), ("days",)),
        (lambda b: b.update(days=0), ("days",)),
        (lambda b: b.update(days=15), ("days",)),
        (lambda b: b.update(from_date="tomorrow"), ("from_date",)),
        (lambda b: b.update(from_date="2026-02-30"), ("from_date",)),
        (lambda b: b.update(from_date="20261201"), ("from_date",)),
        (lambda b: b.update(address="Domplein 1"), ("address",)),
        (lambda b: b.pop("parcel"), ("parcel",)),
        (lambda b: b["address"].update(line1="x" * 201), ("address", "line1")),
        # Loose typing: a boolean or a numeric string is not a number, a number is not text.
        (lambda b: b["address"].update(lat=True), ("address", "lat")),
        (lambda b: b["address"].update(lon=False), ("address", "lon")),
        (lambda b: b["address"].update(lat="52.11"), ("address", "lat")),
        (lambda b: b["parcel"].update(size_units="1"), ("parcel", "size_units")),
        (lambda b: b["parcel"].update(service_minutes="3"), ("parcel", "service_minutes")),
        (lambda b: b.update(days="3"), ("days",)),
        (lambda b: b["address"].update(postcode=3512), ("address", "postcode")),
    ],
)
def test_it_refuses_wrong_types_and_ranges_per_field(api: Api, api_world: ApiWorld, change, field_path):
    body = offer_body()
    change(body)
    details = assert_error(
        api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), 400, "invalid_request"
    )["details"]
    for name in field_path:
        assert name in details, details
        details = details[name]
    assert Offer.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field_path"),
    [
        (lambda b: b.update(day=3), ("day",)),
        (lambda b: b["address"].update(street="Domplein"), ("address", "street")),
        (lambda b: b["parcel"].update(weight_kg=3), ("parcel", "weight_kg")),
    ],
)
def test_it_refuses_unknown_fields_at_every_level(api: Api, api_world: ApiWorld, change, field_path):
    body = offer_body()
    change(body)
    details = assert_error(
        api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), 400, "invalid_request"
    )["details"]
    for name in field_path:
        details = details[name]
    assert details == ["Unknown field."]


@pytest.mark.parametrize("body", [[], "offer", 42, None])
def test_it_refuses_a_body_that_is_not_an_object(api: Api, api_world: ApiWorld, body):
    response = api.call(
        "POST", "/api/v1/offers", raw=__import__("json").dumps(body), key=api_world.keys["own_sk"]
    )
    assert_error(response, 400, "invalid_request")


def test_it_refuses_an_address_outside_the_service_area_with_422(api: Api, api_world: ApiWorld):
    body = offer_body()
    body["address"] = {"lat": OUTSIDE[0], "lon": OUTSIDE[1]}
    assert_error(api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), 422, "outside_service_area")


def test_it_refuses_a_parcel_no_van_carries_with_422(api: Api, api_world: ApiWorld):
    body = offer_body(parcel={"size_units": 21, "service_minutes": 3})
    details = assert_error(
        api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), 422, "parcel_too_large"
    )["details"]
    assert details == {"size_units": 21, "max_size_units": 20}


def test_it_refuses_a_start_date_in_the_past(api: Api, api_world: ApiWorld):
    body = offer_body(from_date=(local_today() - dt.timedelta(days=1)).isoformat())
    assert_error(api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), 400, "date_in_past")


def test_it_tells_a_retailer_without_published_rules_so(api: Api, api_world: ApiWorld):
    api_world.other.rule_sets.update(status="draft")
    assert_error(
        api.post("/api/v1/offers", offer_body(), key=api_world.keys["other_sk"]),
        409,
        "pricing_not_configured",
    )


def test_the_response_is_what_the_offer_serializer_makes_of_the_offer(api_world: ApiWorld):
    # The view builds its JSON directly (160+ windows through nested serializers were slow);
    # OfferSerializer stays the documented schema, so both must agree to the byte.
    result = offer_create(
        retailer=api_world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=api_world.day1,
        days=3,  # the third day has no shifts: unavailable windows too
    )
    native = {
        "offer_id": result.offer.id,
        "expires_at": result.offer.expires_at,
        "currency": result.offer.rule_set.currency,
        "days": [
            {
                "date": day.date,
                "windows": [
                    {
                        "start": w.start,
                        "end": w.end,
                        "available": w.available,
                        "reason": None if w.available else w.reason,
                        "price": {
                            "amount": f"{w.price.amount:.2f}",
                            "currency": w.price.currency,
                            "breakdown": w.price.breakdown(),
                        }
                        if w.available
                        else None,
                        "co2e_grams": w.co2e_grams if w.available else None,
                        "labels": list(w.labels),
                        "quote": w.quote or None,
                    }
                    for w in day.windows
                ],
            }
            for day in result.days
        ],
    }
    assert {w.available for day in result.days for w in day.windows} == {True, False}

    built = offer_representation(result)

    assert built == OfferSerializer(native).data
    assert JSONRenderer().render(built) == JSONRenderer().render(OfferSerializer(native).data)


@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f"])
def test_it_refuses_bidirectional_controls_in_the_address_text(api: Api, api_world: ApiWorld, control):
    body = offer_body()
    body["address"]["line1"] = f"Domplein 1{control}9 nnaR"
    details = assert_error(
        api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), 400, "invalid_request"
    )["details"]
    assert "line1" in details["address"]
    assert Offer.objects.count() == 0


def test_the_offer_service_refuses_them_from_any_channel(api_world: ApiWorld):
    with pytest.raises(GreenslotError) as caught:
        offer_create(
            retailer=api_world.retailer,
            lat=52.11,
            lon=5.11,
            size_units=1,
            service_minutes=3,
            address={"line1": "Main St\u202e"},
        )
    assert (caught.value.code, caught.value.status, caught.value.details["characters"]) == (
        "invalid_address",
        400,
        ["U+202E"],
    )
