"""The stress run's database: a fresh PostgreSQL database, never the developer's."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def stress_database_url(*, requested: str | None, environment_url: str | None) -> str:
    """The URL of the database the run may drop and create.

    ``requested`` (``--database-url``) is used as given; without it, the server of the
    environment's PostgreSQL ``DATABASE_URL`` (else 127.0.0.1:5432 as ``root``) with database
    ``greenslot_stress``. The name must contain ``stress``: the run drops that database first.
    """
    if requested:
        url = requested
    else:
        base = environment_url or ""
        if not base.startswith(("postgres://", "postgresql://")):
            base = "postgres://root@127.0.0.1:5432/greenslot"
        parts = urlsplit(base)
        url = urlunsplit((parts.scheme, parts.netloc, "/greenslot_stress", "", ""))
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"Expected a postgres:// URL, got {url!r}: the stress run needs PostgreSQL.")
    name = database_name(url)
    if "stress" not in name or not name.replace("_", "").isalnum():
        raise ValueError(
            f"Refusing database {name!r}: the run drops and recreates it, so its name must contain "
            "'stress' (letters, digits and underscores only)."
        )
    return url


def maintenance_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=10)


def database_recreate(url: str) -> None:
    """Drop (closing any session on it) and create the stress database."""
    name = database_name(url)
    with maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    name = database_name(url)
    with maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
