from tests.dashboards.operations_world import booking_viewer, two_depots  # noqa: F401,E402 (fixtures)
from tests.dashboards.staff_world import (  # noqa: F401 (fixtures)
    booked,
    shopper_user,
    staff_who_views_rules,
    staff_without_rights,
)
