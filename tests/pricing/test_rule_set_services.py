"""Publishing incentive rules: a published version is never edited, it is replaced."""

import datetime as dt
from decimal import Decimal

import pytest

from booking.models import Retailer
from greenslot.errors import Conflict
from pricing.models import IncentiveRuleSet, RuleSetStatus
from pricing.services import rule_set_draft_from, rule_set_publish

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def retailer():
    return Retailer.objects.create(name="Shop", slug="shop")


def test_it_publishes_a_draft_and_retires_the_published_version(retailer):
    old = IncentiveRuleSet.objects.create(retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED)
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=2, base_fee=Decimal("2.00"))

    rule_set_publish(rule_set=draft, now=NOW)

    old.refresh_from_db()
    draft.refresh_from_db()
    assert old.status == RuleSetStatus.RETIRED
    assert draft.status == RuleSetStatus.PUBLISHED
    assert draft.published_at == NOW


def test_it_publishes_a_first_draft(retailer):
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1)

    rule_set_publish(rule_set=draft, now=NOW)

    assert draft.status == RuleSetStatus.PUBLISHED


@pytest.mark.parametrize("status", [RuleSetStatus.PUBLISHED, RuleSetStatus.RETIRED])
def test_it_refuses_to_publish_anything_but_a_draft(retailer, status):
    rule_set = IncentiveRuleSet.objects.create(retailer=retailer, version=1, status=status)

    with pytest.raises(Conflict) as refused:
        rule_set_publish(rule_set=rule_set, now=NOW)

    assert refused.value.code == "rule_set_not_draft"
    rule_set.refresh_from_db()
    assert rule_set.status == status


def test_it_leaves_other_retailers_rules_alone(retailer):
    other = Retailer.objects.create(name="Other", slug="other")
    theirs = IncentiveRuleSet.objects.create(retailer=other, version=1, status=RuleSetStatus.PUBLISHED)
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1)

    rule_set_publish(rule_set=draft, now=NOW)

    theirs.refresh_from_db()
    assert theirs.status == RuleSetStatus.PUBLISHED


def test_it_copies_a_version_into_a_new_draft_with_the_next_number(retailer):
    IncentiveRuleSet.objects.create(retailer=retailer, version=3, status=RuleSetStatus.RETIRED)
    published = IncentiveRuleSet.objects.create(
        retailer=retailer, version=4, status=RuleSetStatus.PUBLISHED, name="winter", cap=Decimal("7.50")
    )

    draft = rule_set_draft_from(rule_set=published)

    assert (draft.version, draft.status, draft.name, draft.cap) == (
        5,
        RuleSetStatus.DRAFT,
        "winter",
        Decimal("7.50"),
    )
    published.refresh_from_db()
    assert published.status == RuleSetStatus.PUBLISHED
