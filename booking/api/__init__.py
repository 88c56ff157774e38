"""The REST API for retailers' backends and the widget, under /api/v1/ (docs/integration.md)."""
