"""``python manage.py load_demo_city``: the command at the real now, as `make demo` runs it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from booking.models import Booking
from emissions.models import EmissionFactor
from lab.demo.city import ADMIN_PASSWORD, ADMIN_USERNAME
from tests.lab.demo.demo_week import fingerprint


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_city", *args, verbosity=0, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_loads_an_empty_database_and_prints_one_summary_line():
    output = load("--bookings-per-day", "3", "--no-admin")
    assert output.count("\n") == 1 and output.startswith("Demo city loaded: ")
    assert f"{Booking.objects.count()} bookings made" in output
    assert Booking.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_running_it_twice_creates_no_new_rows():
    load("--bookings-per-day", "3", "--no-admin")
    before = fingerprint()
    output = load("--bookings-per-day", "3", "--no-admin")
    assert "0 bookings made" in output
    assert fingerprint() == before


@pytest.mark.django_db
def test_it_creates_the_admin_once():
    load("--bookings-per-day", "0")
    admin = get_user_model().objects.get(username=ADMIN_USERNAME)
    assert admin.is_superuser and admin.check_password(ADMIN_PASSWORD)
    admin.set_password("changed-by-the-admin")
    admin.save(update_fields=["password"])
    load("--bookings-per-day", "0")
    assert get_user_model().objects.count() == 1
    assert get_user_model().objects.get(username=ADMIN_USERNAME).check_password("changed-by-the-admin")


@pytest.mark.django_db
def test_it_refuses_a_negative_demand():
    with pytest.raises(CommandError, match="bookings-per-day"):
        load("--bookings-per-day", "-1")


@pytest.mark.django_db
def test_it_explains_missing_emission_factors():
    EmissionFactor.objects.all().delete()
    with pytest.raises(CommandError, match="migrate"):
        load("--bookings-per-day", "0", "--no-admin")


@pytest.mark.django_db
def test_its_progress_bar_stays_out_of_output_that_is_not_a_terminal(capsys):
    call_command("load_demo_city", "--bookings-per-day", "2", "--no-admin", verbosity=1, stdout=StringIO())

    assert "Pre-booking" not in capsys.readouterr().err  # pytest's stderr is not a terminal
