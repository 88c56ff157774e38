"""Benchmark 'offers' (placeholder until its module lands)."""


def add_arguments(parser):
    pass


def run(command, **options):
    raise NotImplementedError("The 'offers' benchmark has not been written yet.")
