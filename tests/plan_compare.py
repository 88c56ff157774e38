"""Compare two compiles of a plan that may number their locations differently."""


def by_stop_id(compiled):
    """The plan keyed by stop ids: each stop's coordinates, window, service and demand, and each
    route's stops in order with its legs."""
    plan = compiled.plan
    stops = {
        int(plan.keys[j]): (float(plan.lat[j]), float(plan.lon[j]), int(plan.early[j]), int(plan.late[j]),
                            int(plan.service[j]), int(plan.demand[j]))
        for j in range(1, plan.num_locations)
    }  # fmt: skip
    routes = [
        (route.key, tuple(int(plan.keys[v]) for v in route.visits), tuple(legs.metres), tuple(legs.seconds))
        for route, legs in zip(plan.routes, plan.legs, strict=True)
    ]
    return stops, routes
