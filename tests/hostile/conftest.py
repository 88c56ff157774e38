"""The API tests' two-retailer world and client, reused for hostile input."""

from tests.api.conftest import api, api_world, fresh_throttles  # noqa: F401
