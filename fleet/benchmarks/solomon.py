"""Benchmark 'solomon' (placeholder until its module lands)."""


def add_arguments(parser):
    pass


def run(command, **options):
    raise NotImplementedError("The 'solomon' benchmark has not been written yet.")
