"""The REST API for retailers' backends and the widget (DESIGN.md §6), under /api/v1/."""
