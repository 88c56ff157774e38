"""JSON bodies only, refused cleanly whatever they contain."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ApiJSONParser(JSONParser):
    """DRF's strict JSON parser (no NaN/Infinity), which also refuses bodies nested too deeply to
    decode: ``json`` raises RecursionError there, which DRF would let through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
