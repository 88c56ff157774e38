"""``python manage.py stress``: concurrent shoppers booking over HTTP until the days are full.

The command never touches the developer's database. It makes a fresh PostgreSQL database of its
own (its name must contain ``stress``; it is dropped first: ``database``), migrates it and fills it
with a small world (``world``) in child processes pointed at it with ``DATABASE_URL``, serves it
with gunicorn on a free loopback port (``lab.server``), and runs client processes that each loop
as shoppers do (``clients``): offer -> pick an available window -> hold -> confirm (a share
release the hold, or cancel the booking). Every loop is bounded by a shared request budget and a
deadline. Afterwards the independent plan audit (``booking/audit.py``: routes rebuilt from the
rows, walked without the insertion code) counts overbookings over every depot-day, the bookings
are counted against what the clients were told, and the figures are summed up (``report``, and
``cpu`` for where the machine's CPU went). ``run`` puts the steps together.

Figures are honest wall-clock measurements on whatever machine runs them; the clients share its
cores with gunicorn and PostgreSQL.
"""
