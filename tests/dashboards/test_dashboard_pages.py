"""The staff dashboards render for staff, are refused to everybody else, and draw readable SVG."""

import datetime as dt
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def depot_url(booked):
    return reverse("dashboards:depot", args=[booked.world.depot.code])


def emissions_url(booked):
    return reverse("dashboards:depot-day-emissions", args=[booked.world.depot.code, booked.date.isoformat()])


def replay_url(booked):
    return reverse("dashboards:rule-set-replay", args=[booked.draft.pk])


def pages(booked):
    return [reverse("dashboards:index"), depot_url(booked), emissions_url(booked), replay_url(booked)]


def test_it_renders_every_dashboard_for_staff(admin_client, booked):
    for url in pages(booked):
        response = admin_client.get(url)
        assert response.status_code == 200, url


def test_it_sends_anonymous_visitors_to_the_login(client, booked):
    for url in pages(booked):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("admin:login") in response["Location"]


def test_it_sends_a_logged_in_shopper_to_the_staff_login(client, booked, shopper_user):
    client.force_login(shopper_user)

    for url in pages(booked):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("admin:login") in response["Location"]


def test_it_refuses_the_replay_to_staff_who_may_not_see_the_rules(client, booked, staff_without_rights):
    client.force_login(staff_without_rights)

    assert client.get(depot_url(booked)).status_code == 200
    assert client.get(replay_url(booked)).status_code == 403


def test_staff_who_may_view_the_rules_can_replay_them(client, booked, staff_who_views_rules):
    client.force_login(staff_who_views_rules)

    assert client.get(replay_url(booked)).status_code == 200


def test_the_depot_dashboard_draws_accessible_svg_charts(admin_client, booked):
    html = admin_client.get(depot_url(booked)).content.decode()

    charts = re.findall(
        r'<svg class="chart" id="([\w-]+)"[^>]*role="img" aria-labelledby="\1-title \1-desc"', html
    )
    assert set(charts) == {"heat", "km-chart", "cost-chart", "grams-chart", "takeup-chart"}
    for chart in charts:
        assert f'<title id="{chart}-title">' in html
        assert f'<desc id="{chart}-desc">' in html
    # Values are written as text, not only as colour: the booked 09-10 cell reads "1 · 0%".
    assert "1 · 0%" in html
    assert "https://" not in html.split("<main", 1)[1], "no external chart library or tiles"


def test_the_depot_dashboard_links_each_day_to_its_route_map_and_emissions(admin_client, booked):
    html = admin_client.get(depot_url(booked)).content.decode()

    assert reverse("fleet:plan-detail", args=[booked.world.depot.code, booked.date.isoformat()]) in html
    assert emissions_url(booked) in html


def test_the_depot_dashboard_refuses_a_malformed_period(admin_client, booked):
    assert admin_client.get(depot_url(booked), {"from": "yesterday"}).status_code == 404


def test_the_emissions_page_shares_each_route_total_among_its_orders(admin_client, booked):
    response = admin_client.get(emissions_url(booked))

    footprint = response.context["footprint"]
    assert footprint.orders == 3
    for route in footprint.routes:
        assert sum(order.grams for order in route.orders) == route.grams
    assert footprint.grams > 0


def test_the_replay_keeps_the_period_it_was_asked_for(admin_client, booked):
    response = admin_client.get(replay_url(booked), {"days": "3"})

    assert response.context["report"].until - response.context["report"].since == dt.timedelta(days=3)
    assert '<option value="3" selected>3 days</option>' in response.content.decode()


def test_the_replay_says_which_choice_model_it_used_and_how_profit_is_counted(admin_client, booked):
    response = admin_client.get(replay_url(booked))

    page = response.content.decode()
    assert "Choice model: <strong>prior</strong>, the documented prior" in page
    assert "no fit yet (python manage.py fit_choice)" in page
    assert "Profit = delivery fees + basket margin" in page
    assert {m.name for m in response.context["report"].metrics} >= {"Delivery cost", "Profit"}


def test_the_replay_shows_a_baseline_that_misses_the_records_and_why(admin_client, booked):
    response = admin_client.get(replay_url(booked))

    page = response.content.decode()
    # Every booked-world shopper bought; the prior predicts fewer orders than were recorded.
    assert not response.context["report"].baseline_agrees
    assert "Does the baseline reproduce the records?" in page
    assert "Read the change between the two rule sets for those, not the levels." in page
    assert "in Orders" in page
    assert "Every recorded offer ended in a booking" in page
