"""``manage.py simulate --tiny``: the whole experiment end to end in seconds, JSON on the last line.

``--quick`` and the full run are benchmarks (DESIGN §8), never run by the tests.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    out = StringIO()
    call_command("simulate", "--tiny", "--report-dir", str(docs), stdout=out, stderr=StringIO(), verbosity=0)
    return json.loads(out.getvalue().strip().splitlines()[-1]), docs


def test_it_prints_the_kpis_of_every_policy_as_json(tiny_run):
    output, _ = tiny_run

    assert output["mode"] == "tiny"
    assert set(output["policies"]) == {"quota", "flat", "incentive"}
    for kpis in output["policies"].values():
        for key in ("orders_served", "failed_deliveries", "km_per_order", "cost_per_order", "co2e_g_per_order",
                    "revenue", "profit", "vehicles_used"):  # fmt: skip
            assert key in kpis


def test_exact_feasibility_has_no_failed_delivery_and_every_policy_met_the_same_shoppers(tiny_run):
    output, _ = tiny_run

    assert output["policies"]["flat"]["failed_deliveries"] == 0
    assert output["policies"]["incentive"]["failed_deliveries"] == 0
    assert output["same_shoppers_across_policies"] is True
    assert output["targets"]["b_zero_failed_deliveries"]["met"] is True


def test_training_and_test_seeds_are_disjoint(tiny_run):
    output, _ = tiny_run

    assert not set(output["seeds"]["train"]) & set(output["seeds"]["test"])


def test_it_writes_the_report_its_plots_and_a_record_that_rewrites_the_report(tiny_run, tmp_path):
    output, docs = tiny_run
    report = (docs / "evidence.md").read_text()

    assert "## Sensitivity grid" in report and "price_per_eur" in report
    for name in ("policies", "window_mix", "paired", "sensitivity"):
        assert (docs / "evidence" / f"{name}.png").stat().st_size > 0
        assert (docs / "evidence" / f"{name}.svg").stat().st_size > 0

    again = StringIO()
    call_command(
        "simulate",
        "--report-from",
        str(docs / "evidence" / "results.json"),
        "--report-dir",
        str(tmp_path),
        stdout=again,
        verbosity=0,
    )

    assert (tmp_path / "evidence.md").read_text() == report
    assert json.loads(again.getvalue().strip().splitlines()[-1])["policies"] == output["policies"]
