"""The retailer's objective in the admin: its own group of settings on a rule set, and the live
preview prices a draft by three costs with their breakdown lines."""

import pytest
from django.urls import reverse

from pricing.calculation import BASKET_MARGIN, DISPLACEMENT, LINE_LABELS
from pricing.default_terms import DEFAULT_OBJECTIVE
from tests.pricing.test_preview_page import form_data, preview_url

pytestmark = pytest.mark.django_db


def test_the_change_page_groups_the_retailers_objective_with_help_for_each_term(admin_client, booked):
    response = admin_client.get(reverse("admin:pricing_incentiveruleset_change", args=[booked.draft.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "The retailer&#x27;s objective" in html
    for name in ("pricing_mode", "basket_margin", "carbon_price_per_kg", "markup_mode", "reference_price"):
        assert f'name="{name}"' in html, name
    assert "What a kg of CO2e the delivery adds costs you" in html
    assert "Revenue-neutral: average price paid = the reference price" in html


def test_the_preview_prices_a_draft_by_three_costs_next_to_the_published_first_rules(admin_client, booked):
    terms = {name: "" if value is None else str(value) for name, value in DEFAULT_OBJECTIVE.items()}

    response = admin_client.post(preview_url(booked.draft), form_data(booked, **terms))

    assert response.status_code == 200
    preview = response.context["preview"]
    rows = [row for row in preview.rows if row.available]
    assert rows
    for row in rows:
        assert row.expected_cost is not None and row.displaced_orders is not None
        assert DISPLACEMENT in [line.code for line in row.draft.price.lines]
        assert DISPLACEMENT not in [line.code for line in row.published.price.lines]
    html = response.content.decode()
    assert LINE_LABELS[BASKET_MARGIN] in html and "orders displaced" in html
    assert "<legend>The retailer's objective</legend>" in html
