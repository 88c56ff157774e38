"""Tools apart from the product: benchmarks, the stress harness, the demo city, the simulator.

Nothing in the product imports ``lab`` (``tests/test_layout.py`` checks it); ``lab`` imports the
product like any other client would. The package itself imports no Django, so the Django-free
simulator under ``lab.simulation`` stays importable without it.
"""
