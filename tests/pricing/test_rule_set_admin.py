"""The rule set admin writes through the services: versions are numbered for the manager, every
change is recorded, and the history is shown on the page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pricing.models import IncentiveRuleSet, RuleSetChange, RuleSetStatus
from tenants.models import Retailer
from tests.admin.admin_world import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def retailer():
    return Retailer.objects.create(name="Shop", slug="shop")


def add_url():
    return reverse("admin:pricing_incentiveruleset_add")


def change_url(rule_set):
    return reverse("admin:pricing_incentiveruleset_change", args=[rule_set.pk])


def test_adding_a_rule_set_numbers_it_and_records_its_creation(admin_client, admin_user, retailer):
    IncentiveRuleSet.objects.create(retailer=retailer, version=4, status=RuleSetStatus.PUBLISHED)
    data = form_data(admin_client.get(add_url()).content.decode())
    data.update(
        {
            "retailer": [str(retailer.pk)],
            "name": ["evening peak"],
            "peak_surcharges": ["17:00-19:00 Mon-Fri 1.00\nSat 0.50"],
            "changes-TOTAL_FORMS": ["0"],
            "changes-INITIAL_FORMS": ["0"],
        }
    )

    refused = admin_client.post(add_url(), data)
    assert refused.status_code == 200 and "Line 2" in refused.content.decode()
    data["peak_surcharges"] = ["17:00-19:00 Mon-Fri 1.00\n10:00-12:00 Sat,Sun 0.50"]
    response = admin_client.post(add_url(), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    draft = IncentiveRuleSet.objects.get(retailer=retailer, version=5)
    assert draft.status == RuleSetStatus.DRAFT
    assert draft.created_by == admin_user
    assert draft.peak_surcharges == [
        {"start": "17:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5], "amount": "1.00"},
        {"start": "10:00", "end": "12:00", "weekdays": [6, 7], "amount": "0.50"},
    ]
    created = RuleSetChange.objects.get(rule_set=draft)
    assert (created.action, created.actor) == ("created", admin_user)


def test_editing_a_draft_records_the_changed_terms_and_shows_the_history(admin_client, admin_user, retailer):
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1)
    data = form_data(admin_client.get(change_url(draft)).content.decode())
    data["cap"] = ["12.00"]
    data["free_delivery_threshold"] = ["60.00"]

    response = admin_client.post(change_url(draft), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    draft.refresh_from_db()
    assert (draft.cap, draft.free_delivery_threshold) == (Decimal("12.00"), Decimal("60.00"))
    change = RuleSetChange.objects.get(rule_set=draft)
    assert change.changes == {"cap": ["10.00", "12.00"], "free_delivery_threshold": ["—", "60.00"]}
    page = admin_client.get(change_url(draft)).content.decode()
    assert "cap: 10.00 → 12.00" in page
    assert reverse("admin:pricing_incentiveruleset_preview", args=[draft.pk]) in page
    assert reverse("dashboards:rule-set-replay", args=[draft.pk]) in page


def test_publishing_from_the_changelist_records_the_publisher(admin_client, admin_user, retailer):
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1)

    admin_client.post(
        reverse("admin:pricing_incentiveruleset_changelist"),
        {"action": "publish_selected", "_selected_action": [str(draft.pk)]},
    )

    published = RuleSetChange.objects.get(rule_set=draft, action="published")
    assert published.actor == admin_user
    assert published.note == "First published version in its scope."


def test_the_changelist_refuses_to_publish_an_invalid_draft_with_the_reason(admin_client, retailer):
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1, cap=Decimal("9.99"))

    response = admin_client.post(
        reverse("admin:pricing_incentiveruleset_changelist"),
        {"action": "publish_selected", "_selected_action": [str(draft.pk)]},
        follow=True,
    )

    assert "capped prices would be 9.90" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT
