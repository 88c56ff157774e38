"""The fleet's admin: the route plan (depots, zones, vehicles, depot-days, shifts, stops), the weekly
rosters, and the depot-local times they are all shown and typed in."""

from . import roster, zones  # noqa: F401 (register the roster's and the zones' pages)
from .plan import PlanGuardedAdmin, PlanGuardedForm  # noqa: F401 (shared with the emissions admin)
