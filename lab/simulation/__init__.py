"""A booking-season simulator for Greenslot's slotting policies (DESIGN §8, issue 7).

Django-free like ``routing``: a seeded city (``city``), a season of shoppers (``demand``), a
multinomial-logit choice model (``choice``), the policies under test (``policies``), one season
run through the very engine and pricing functions the product uses (``season``), the routing of
every policy's accepted orders after the cut-off (``final_routing``), tuning on training seasons
(``tuning``), the whole experiment (``experiment``) and its report (``report``).

Times are integer seconds from the season epoch (local midnight of day 0) unless a name says
otherwise; a depot-day plan's own times are seconds from that day's midnight, as in ``routing``.
Money reaching a shopper is ``Decimal`` (``pricing.calculation``); KPIs are floats.
"""
