"""Greenslot's routing engine: a library with no Django in it.

Times are integer seconds from the plan's epoch (the depot-day's local midnight), distances
integer metres. The database adapter (``fleet.adapter``) is the only code that turns rows into
these structures.
"""
