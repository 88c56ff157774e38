"""Publishing incentive rules: a published version is never edited, it is replaced."""

import datetime as dt
from decimal import Decimal

import pytest

from greenslot.errors import Conflict
from pricing.models import IncentiveRuleSet, RuleSetStatus
from pricing.services import rule_set_draft_from, rule_set_publish
from tenants.models import Retailer

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


# --- scope: per retailer and per depot ------------------------------------------------------------


@pytest.fixture
def depots():
    from fleet.models import Depot

    return [
        Depot.objects.create(code=code, name=code.title(), time_zone="Europe/Amsterdam", lat=52.1, lon=5.1)
        for code in ("north", "south")
    ]


def test_it_prices_a_depot_by_its_own_rules_else_by_the_retailer_wide_ones(retailer, depots):
    from pricing.selectors import rule_set_for_depot

    north, south = depots
    wide = IncentiveRuleSet.objects.create(retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED)
    own = IncentiveRuleSet.objects.create(
        retailer=retailer, depot=north, version=2, status=RuleSetStatus.PUBLISHED
    )
    IncentiveRuleSet.objects.create(retailer=retailer, depot=south, version=3)  # a draft does not count

    assert rule_set_for_depot(retailer=retailer, depot=north) == own
    assert rule_set_for_depot(retailer=retailer, depot=south) == wide


def test_it_retires_only_the_published_version_of_the_same_scope(retailer, depots):
    north, _ = depots
    wide = IncentiveRuleSet.objects.create(retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED)
    own = IncentiveRuleSet.objects.create(
        retailer=retailer, depot=north, version=2, status=RuleSetStatus.PUBLISHED
    )
    draft = IncentiveRuleSet.objects.create(retailer=retailer, depot=north, version=3)

    rule_set_publish(rule_set=draft, now=NOW)

    wide.refresh_from_db()
    own.refresh_from_db()
    assert (wide.status, own.status, draft.status) == ("published", "retired", "published")


def test_it_refuses_a_nothing_published_lookup_with_a_clear_code(retailer, depots):
    from pricing.selectors import rule_set_for_offer

    with pytest.raises(Conflict) as refused:
        rule_set_for_offer(retailer=retailer, depot=depots[0])

    assert refused.value.code == "pricing_not_configured"


def test_a_copied_draft_keeps_the_depot_and_the_new_terms(retailer, depots):
    source = IncentiveRuleSet.objects.create(
        retailer=retailer,
        depot=depots[0],
        version=1,
        status=RuleSetStatus.PUBLISHED,
        peak_surcharges=[{"start": "17:00", "end": "19:00", "weekdays": [], "amount": "1.00"}],
        free_delivery_threshold=Decimal("60.00"),
        consolidation_by="nearby_stops",
    )

    draft = rule_set_draft_from(rule_set=source)

    assert draft.depot == depots[0]
    assert draft.peak_surcharges == source.peak_surcharges
    assert draft.free_delivery_threshold == Decimal("60.00")
    assert draft.consolidation_by == "nearby_stops"


# --- history: who changed what, when --------------------------------------------------------------


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_user("manager", is_staff=True)


def test_it_records_who_created_edited_published_and_retired_a_version(retailer, manager):
    from pricing.services import rule_set_create, rule_set_update

    v1 = rule_set_create(retailer=retailer, actor=manager, now=NOW, base_fee=Decimal("3.00"))
    rule_set_publish(rule_set=v1, now=NOW, actor=manager)
    v2 = rule_set_draft_from(rule_set=v1, created_by=manager, now=NOW)
    rule_set_update(
        rule_set=v2, changes={"base_fee": Decimal("2.50"), "cap": Decimal("10.00")}, actor=manager, now=NOW
    )
    rule_set_publish(rule_set=v2, now=NOW + dt.timedelta(hours=1), actor=manager)

    v2_history = [(c.action, c.actor_name, c.changes, c.note) for c in v2.changes.order_by("id")]
    assert v2_history == [
        ("created", "manager", {}, "Copied from version 1."),
        ("edited", "manager", {"base_fee": ["3.00", "2.50"]}, ""),
        ("published", "manager", {"base_fee": ["3.00", "2.50"]}, "Replaces version 1."),
    ]
    assert [(c.action, c.note) for c in v1.changes.order_by("id")][-1] == (
        "retired",
        "Replaced by version 2.",
    )
    assert v1.changes.first().changes["cap"] == ["—", "10.00"]


def test_it_records_nothing_when_an_edit_changes_nothing(retailer, manager):
    from pricing.services import rule_set_update

    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1)

    rule_set_update(rule_set=draft, changes={"base_fee": Decimal("3.00")}, actor=manager, now=NOW)

    assert not draft.changes.exists()


def test_it_refuses_to_edit_a_published_version(retailer, manager):
    from pricing.services import rule_set_update

    published = IncentiveRuleSet.objects.create(retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED)

    with pytest.raises(Conflict) as refused:
        rule_set_update(rule_set=published, changes={"base_fee": Decimal("0.50")}, actor=manager, now=NOW)

    assert refused.value.code == "rule_set_not_draft"
    published.refresh_from_db()
    assert published.base_fee == Decimal("3.00")


# --- validation on publish ------------------------------------------------------------------------


def test_the_default_cap_is_a_multiple_of_the_default_rounding_step(retailer):
    rule_set = IncentiveRuleSet.objects.create(retailer=retailer, version=1)

    assert rule_set.cap == Decimal("10.00")
    assert rule_set.cap % rule_set.rounding_step == 0


@pytest.mark.parametrize(
    ("terms", "problem"),
    [
        (
            {"cap": Decimal("9.99")},
            "The cap 9.99 is not a multiple of the rounding step 0.10: capped prices would be 9.90",
        ),
        ({"floor": Decimal("0.95")}, "The floor 0.95 is not a multiple of the rounding step 0.10"),
        ({"rounding_step": Decimal("0.25"), "cap": Decimal("10.10")}, "Use a cap of 10.00 or 10.25"),
        (
            {
                "peak_surcharges": [
                    {"start": "17:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5], "amount": "1.00"},
                    {"start": "18:00", "end": "20:00", "weekdays": [5, 6], "amount": "0.50"},
                ]
            },
            "overlap on Fri",
        ),
        ({"peak_surcharges": [{"start": "19:00", "end": "17:00", "amount": "1"}]}, "start before it ends"),
    ],
)
def test_it_refuses_to_publish_terms_that_do_not_fit_together(retailer, terms, problem):
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=1, **terms)

    with pytest.raises(Conflict) as refused:
        rule_set_publish(rule_set=draft, now=NOW)

    assert refused.value.code == "rule_set_invalid"
    assert any(problem in p for p in refused.value.details["problems"]), refused.value.details
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT
