"""The public method page (/method/): how a window's grams of CO2e are counted, and the factors used.

Every environmental claim a shopper sees links here (EU Directive 2024/825: a claim must be specific
and its basis open to check). The text is docs/emissions.md, so the page and the docs never differ.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from markdown_it import MarkdownIt

from .selectors import emission_factor_list

METHOD_DOCUMENT = Path(settings.BASE_DIR) / "docs" / "emissions.md"


@functools.cache
def method_html(path: str, mtime_ns: int) -> str:
    """The document as HTML, rendered once per file version (``mtime_ns`` is the cache key).

    Raw HTML in the Markdown is escaped ("html": False): the page shows only what Markdown makes.
    """
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(Path(path).read_text())


@require_safe
def method_page(request: HttpRequest) -> HttpResponse:
    html = method_html(str(METHOD_DOCUMENT), METHOD_DOCUMENT.stat().st_mtime_ns)
    context = {"method_html": mark_safe(html), "factors": emission_factor_list()}
    return render(request, "emissions/method.html", context)
