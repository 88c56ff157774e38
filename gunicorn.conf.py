"""gunicorn reads this file from its working directory (the repository root) unless told otherwise.

Settings stay on the command line; this only makes gunicorn's own refusals (a request it cannot
parse, answered before Django sees it) use the API's JSON error shape.
"""

from greenslot.gunicorn_errors import install

install()
