"""Reads of emission factors."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import EmissionFactor


def emission_factor_list() -> QuerySet[EmissionFactor]:
    """Every emission factor, by code, with its source and edition (for pages, the API and docs)."""
    return EmissionFactor.objects.order_by("code")
