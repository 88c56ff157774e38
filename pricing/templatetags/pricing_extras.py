from django import template

from pricing.calculation import BEST_VALUE, CONSOLIDATED, GREEN, WIDE

register = template.Library()

LABEL_NAMES = {GREEN: "Green", WIDE: "Wide", CONSOLIDATED: "Near other deliveries", BEST_VALUE: "Best value"}


@register.filter
def label_name(code: str) -> str:
    """A window label as staff read it."""
    return LABEL_NAMES.get(code, code.replace("_", " ").capitalize())
