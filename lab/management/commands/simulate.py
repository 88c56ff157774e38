"""``python manage.py simulate``: the booking-season simulator (DESIGN §8, issues 7 and 12); JSON on the last line.

The work is in the Django-free ``lab.simulation`` package; this command picks the mode, runs the
experiment, writes the report when asked and prints the result.
"""

import json
import os
import shlex
import sys
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management.base import BaseCommand, CommandError

from lab.simulation.experiment import ExperimentResult, experiment_run, settings_for


class Command(BaseCommand):
    help = (
        "Simulate rolling booking seasons under (b) exact feasibility with a flat price and (d) three-cost "
        "prices (and, in the full run, (a) static quotas and (c) the issue 7 incentive rules) on the same "
        "shoppers; tune on training seeds, report paired means with 95 % intervals on held-out seeds, a "
        "carbon-price frontier and a sensitivity grid. Prints JSON on the last line "
        "(comparisons.d_vs_b); the full run also writes docs/evidence.md and docs/evidence/. Progress "
        "bars only when stdout is a terminal."
    )

    def add_arguments(self, parser):
        size = parser.add_mutually_exclusive_group()
        size.add_argument(
            "--quick", action="store_true", help="A small run (6 test seeds), under 5 minutes on 2 cores."
        )
        size.add_argument("--tiny", action="store_true", help="A few seconds; what the tests run.")
        parser.add_argument(
            "--seed", type=int, default=0, help="Moves every train/test/grid seed by 1000 x SEED (default 0)."
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="Worker processes (default: CPU count; --tiny: 1)."
        )
        parser.add_argument(
            "--report-dir",
            default=None,
            help="Write evidence.md and evidence/ here (default: docs/ for the full run, nothing otherwise).",
        )
        parser.add_argument("--no-report", action="store_true", help="Do not write the report.")
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="Print the result as JSON on the last line (always done; the flag is accepted for scripts).",
        )
        parser.add_argument(
            "--report-from",
            default=None,
            metavar="RESULTS_JSON",
            help="Rewrite the report from a saved evidence/results.json without simulating again.",
        )

    def handle(
        self,
        *args,
        quick,
        tiny,
        seed,
        workers,
        report_dir,
        no_report,
        report_from,
        verbosity,
        as_json=False,
        **options,
    ):
        mode = "tiny" if tiny else "quick" if quick else "full"
        interactive = verbosity > 0 and sys.stdout.isatty()
        # The command line as a reader would retype it (the worker count does not change results).
        command = "python manage.py simulate"
        if report_from:
            command += f" --report-from {shlex.quote(report_from)}"
        else:
            command += {"tiny": " --tiny", "quick": " --quick", "full": ""}[mode]
            command += f" --seed {seed}" if seed else ""
        command += f" --report-dir {shlex.quote(report_dir)}" if report_dir else ""
        if workers is None:
            workers = 1 if tiny else (os.cpu_count() or 1)
        if workers < 1:
            raise CommandError("--workers must be >= 1.")
        if report_dir is None and (mode == "full" or report_from):
            report_dir = str(Path(django_settings.BASE_DIR) / "docs")
        rendered_by = None
        if report_from:
            try:
                record = json.loads(Path(report_from).read_text())
                result = ExperimentResult.from_record(record)
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"Cannot read {report_from}: {exc}") from exc
            command, rendered_by = record.get("command", command), command
        else:
            result = experiment_run(
                settings_for(mode, seed=seed),
                workers=workers,
                progress=interactive,
                log=(lambda line: self.stderr.write(line)) if interactive else (lambda _: None),
                seed_offset=seed,
            )
        output = result.as_json()
        if report_dir and not no_report:
            from lab.simulation.report import write_report

            written = write_report(result, Path(report_dir), command=command, rendered_by=rendered_by)
            if not report_from:
                path = Path(report_dir) / "evidence" / "results.json"
                path.write_text(
                    json.dumps({**result.as_record(), "command": command}, indent=1, default=str) + "\n"
                )
                written.append(path)
            output["report"] = [str(p) for p in written]
        self.stdout.write(json.dumps(output, default=str))
