"""The admin's live preview: a draft's edits priced next to the published rules, nothing recorded."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Offer
from pricing.calculation import OBJECTIVE_FIELDS
from pricing.models import IncentiveRuleSet, RuleSetChange, RuleSetStatus
from tests.dashboards.staff_world import SHOPPERS

pytestmark = pytest.mark.django_db


def preview_url(rule_set):
    return reverse("admin:pricing_incentiveruleset_preview", args=[rule_set.pk])


def publish_url(rule_set):
    return reverse("admin:pricing_incentiveruleset_publish", args=[rule_set.pk])


def form_data(booked, **terms):
    """What the preview form posts: the example order and every term of the draft."""
    draft = booked.draft
    data = {
        "lat": str(SHOPPERS[0][0]),
        "lon": str(SHOPPERS[0][1] + 0.002),
        "date": booked.date.isoformat(),
        "days": "1",
        "size_units": "1",
        "service_minutes": "3",
        "basket_value": "",
        "name": draft.name,
        "currency": draft.currency,
        "base_fee": str(draft.base_fee),
        "cost_passthrough": str(draft.cost_passthrough),
        "width_discount_per_hour": str(draft.width_discount_per_hour),
        "width_discount_max": str(draft.width_discount_max),
        "consolidation_by": draft.consolidation_by,
        "consolidation_max_km": str(draft.consolidation_max_km),
        "consolidation_radius_m": str(draft.consolidation_radius_m),
        "consolidation_min_stops": str(draft.consolidation_min_stops),
        "consolidation_discount": str(draft.consolidation_discount),
        "peak_surcharges": "",
        "green_max_grams": str(draft.green_max_grams),
        "green_relative": str(draft.green_relative),
        "floor": str(draft.floor),
        "cap": str(draft.cap),
        "rounding_step": str(draft.rounding_step),
        "free_delivery_threshold": "",
        # The retailer's objective, as the draft has it (empty for none).
        **{
            name: "" if getattr(draft, name) is None else str(getattr(draft, name))
            for name in OBJECTIVE_FIELDS
        },
    }
    data.update(terms)
    return data


def test_it_shows_the_published_and_the_draft_offer_side_by_side(admin_client, booked):
    response = admin_client.get(
        preview_url(booked.draft),
        {
            "lat": SHOPPERS[0][0],
            "lon": SHOPPERS[0][1],
            "date": booked.date,
            "days": 1,
            "size_units": 1,
            "service_minutes": 3,
        },
    )

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.published.version == 1
    available = [row for row in preview.rows if row.available]
    assert available and all(row.delta == 0 for row in available)  # an unedited copy prices the same
    html = response.content.decode()
    assert "Published · v1" in html and "Draft · v2" in html


def test_the_form_previews_with_htmx_as_fields_change_and_without_javascript_by_a_button(
    admin_client, booked
):
    html = admin_client.get(preview_url(booked.draft)).content.decode()

    form = re.search(r'<form id="preview-form"[^>]*>', html).group(0)
    assert f'hx-post="{preview_url(booked.draft)}"' in form
    assert 'hx-trigger="input changed delay:400ms"' in form
    assert f'action="{preview_url(booked.draft)}"' in form and 'method="post"' in form
    assert '<button type="submit" name="_preview"' in html
    assert "vendor/htmx-2.0.11.min.js" in html


def test_an_htmx_request_gets_the_comparison_priced_by_the_unsaved_edits(admin_client, booked):
    offers = Offer.objects.count()

    response = admin_client.post(
        preview_url(booked.draft), form_data(booked, base_fee="5.00"), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="preview-result"'), "only the partial is swapped in"
    rows = [row for row in response.context["preview"].rows if row.available]
    assert rows and all(row.delta == Decimal("2.00") or "cap" in _codes(row) for row in rows)
    assert any(row.delta == Decimal("2.00") for row in rows)
    assert Offer.objects.count() == offers, "a preview records no offer"
    booked.draft.refresh_from_db()
    assert booked.draft.base_fee == Decimal("3.00"), "a preview saves nothing"


def _codes(row):
    return [line.code for line in row.draft.price.lines]


def test_it_shows_peak_and_free_delivery_lines_in_the_draft_breakdown(admin_client, booked):
    response = admin_client.post(
        preview_url(booked.draft),
        form_data(
            booked,
            peak_surcharges="09:00-10:00 daily 1.00",
            free_delivery_threshold="50.00",
            basket_value="50.00",
        ),
        headers={"HX-Request": "true"},
    )

    rows = {(r.start.hour, r.end.hour): r for r in response.context["preview"].rows if r.available}
    nine = rows[(9, 10)]
    assert [line.code for line in nine.draft.price.lines][-1] == "free_delivery"
    assert "peak_surcharge" in [line.code for line in nine.draft.price.lines]
    assert nine.draft.price.amount == Decimal("0.00")
    assert "Free delivery for your basket" in response.content.decode()


def test_it_lists_what_stops_a_draft_from_being_published(admin_client, booked):
    response = admin_client.post(
        preview_url(booked.draft), form_data(booked, cap="9.99"), headers={"HX-Request": "true"}
    )

    assert "The cap 9.99 is not a multiple of the rounding step 0.10" in response.content.decode()


def test_it_asks_to_fix_invalid_terms_instead_of_pricing_them(admin_client, booked):
    response = admin_client.post(
        preview_url(booked.draft),
        form_data(booked, peak_surcharges="5pm to 7pm"),
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert "Fix these terms" in html and "17:00-19:00 Mon-Fri 1.00" in html
    assert '<table class="compare">' not in html


def test_the_save_button_saves_the_draft_and_records_who_changed_what(admin_client, booked, admin_user):
    response = admin_client.post(
        preview_url(booked.draft),
        {**form_data(booked, base_fee="2.50", peak_surcharges="17:00-19:00 Mon-Fri 1.00"), "_save": "1"},
    )

    assert response.status_code == 302
    booked.draft.refresh_from_db()
    assert booked.draft.base_fee == Decimal("2.50")
    assert booked.draft.peak_surcharges == [
        {"start": "17:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5], "amount": "1.00"}
    ]
    change = RuleSetChange.objects.filter(rule_set=booked.draft, action="edited").get()
    assert change.actor == admin_user
    assert change.changes == {
        "base_fee": ["3.00", "2.50"],
        "peak_surcharges": ["none", "17:00-19:00 Mon-Fri 1.00"],
    }


def test_it_publishes_a_valid_draft_and_refuses_an_invalid_one(admin_client, booked):
    IncentiveRuleSet.objects.filter(pk=booked.draft.pk).update(cap=Decimal("9.99"))

    refused = admin_client.post(publish_url(booked.draft), follow=True)
    assert "cannot be published" in refused.content.decode()
    booked.draft.refresh_from_db()
    assert booked.draft.status == RuleSetStatus.DRAFT

    IncentiveRuleSet.objects.filter(pk=booked.draft.pk).update(cap=Decimal("10.00"))
    published = admin_client.post(publish_url(booked.draft), follow=True)
    assert "Published version 2" in published.content.decode()
    booked.draft.refresh_from_db()
    booked.world.rules.refresh_from_db()
    assert (booked.draft.status, booked.world.rules.status) == ("published", "retired")


def test_a_published_version_is_previewed_read_only(admin_client, booked):
    response = admin_client.post(preview_url(booked.world.rules), form_data(booked, base_fee="0.10"))

    assert 'name="base_fee"' not in response.content.decode()
    booked.world.rules.refresh_from_db()
    assert booked.world.rules.base_fee == Decimal("3.00")


def test_it_refuses_the_preview_and_publishing_to_anybody_but_staff_with_rights(
    client, booked, staff_without_rights, shopper_user, staff_who_views_rules
):
    assert client.get(preview_url(booked.draft)).status_code == 302
    client.force_login(shopper_user)
    assert client.get(preview_url(booked.draft)).status_code == 302
    client.force_login(staff_without_rights)
    assert client.get(preview_url(booked.draft)).status_code == 403
    assert client.post(publish_url(booked.draft)).status_code == 403
    client.force_login(staff_who_views_rules)
    assert client.get(preview_url(booked.draft)).status_code == 200
    assert client.post(publish_url(booked.draft)).status_code == 403
    booked.draft.refresh_from_db()
    assert booked.draft.status == RuleSetStatus.DRAFT


def test_a_viewer_cannot_edit_a_draft_through_the_preview(client, booked, staff_who_views_rules):
    client.force_login(staff_who_views_rules)

    response = client.post(preview_url(booked.draft), {**form_data(booked, base_fee="0.10"), "_save": "1"})

    assert response.status_code == 200
    booked.draft.refresh_from_db()
    assert booked.draft.base_fee == Decimal("3.00")


def test_it_previews_the_date_in_the_depots_time(admin_client, booked):
    response = admin_client.get(preview_url(booked.draft))

    assert response.context["order_form"]["date"].value() is not None
    assert timezone.is_aware(response.context["preview"].rows[0].start)
    assert "09:00–10:00" in response.content.decode()


def test_the_preview_assumes_the_shopper_model_offers_do(admin_client, booked, monkeypatch):
    from booking.services import rule_preview
    from pricing.models import ChoiceModelFit

    ChoiceModelFit.objects.create(
        retailer=booked.draft.retailer,
        fitted_at=timezone.now(),
        offers=300,
        bookings=200,
        converged=True,
        enough_data=True,
        coefficients={"price_per_eur": -0.3},
        standard_errors={"price_per_eur": 0.02},
        model={"price_per_eur": -0.3, "nest_scale": 1.0},
    )
    seen = []

    def spy(**kwargs):
        seen.append(kwargs["choice"])
        return price_windows(**kwargs)

    price_windows = rule_preview.price_windows
    monkeypatch.setattr(rule_preview, "price_windows", spy)

    response = admin_client.post(preview_url(booked.draft), form_data(booked))

    assert response.status_code == 200
    assert len(seen) == 2 and all(model.price_per_eur == -0.3 for model in seen)  # draft and published
