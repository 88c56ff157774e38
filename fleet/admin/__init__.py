"""The fleet's admin: the route plan (depots, zones, vehicles, depot-days, shifts, stops), the weekly
rosters, and the depot-local times they are all shown and typed in."""

from . import roster  # noqa: F401 (registers the roster's pages)
from .plan import PlanGuardedAdmin, PlanGuardedForm  # noqa: F401 (shared with the emissions admin)
