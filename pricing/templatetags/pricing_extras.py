from django import template

from pricing.labels import label_name

register = template.Library()
register.filter("label_name", label_name)
