"""The shopper's language: the page's ``?lang=`` (the widget's ``data-lang``), else the browser's.

Only the shopper page and the widget are translated (locale/); staff pages and the API stay in
English, so the language is chosen here, per view, rather than by a site-wide middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def shopper_language_of(request: HttpRequest) -> str:
    asked = request.GET.get("lang", "")
    if asked:
        try:
            return translation.get_supported_language_variant(asked)
        except LookupError:
            pass
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def shopper_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render ``view`` in the shopper's language."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with translation.override(shopper_language_of(request)):
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapper
