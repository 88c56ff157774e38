"""`python manage.py bench NAME ...`: benchmarks that print JSON (the last line), never timed tests.

Each benchmark lives in ``lab/benchmarks/NAME.py`` (dashes in NAME are underscores there) with ``add_arguments(parser)`` and
``run(command, **options) -> dict``; this command only dispatches and prints.
"""

import importlib
import json

from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = ("offers", "solomon", "reopt-scale")


def _module(name: str):
    return importlib.import_module(f"lab.benchmarks.{name.replace('-', '_')}")


class Command(BaseCommand):
    help = "Run a benchmark (offers, solomon, reopt-scale) and print its result as JSON on the last line."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="benchmark", required=True)
        for name in BENCHMARKS:
            module = _module(name)
            sub = subparsers.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
            module.add_arguments(sub)

    def handle(self, *args, **options):
        name = options["benchmark"]
        if name not in BENCHMARKS:
            raise CommandError(f"Unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}.")
        module = _module(name)
        result = module.run(self, **options)
        self.stdout.write(json.dumps(result, default=str))
