from tests.dashboards.staff_world import (  # noqa: F401 (fixtures)
    booked,
    shopper_user,
    staff_who_views_rules,
    staff_without_rights,
)
