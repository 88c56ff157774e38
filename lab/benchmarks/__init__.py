"""The benchmarks ``python manage.py bench NAME`` runs: ``offers`` (the offer path on a city of
thousands of stops) and ``solomon`` (online booking against PyVRP offline on the Solomon instances)."""
