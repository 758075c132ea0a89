"""Shared set-up for benchmarks: a fresh PostgreSQL database, migrated."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_postgres_database(name: str) -> str:
    """Drop and create database `name` on the server of BENCH_PG_ADMIN_URL; returns its URL."""
    import psycopg

    admin_url = os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def bench_database(name: str, *, reuse: bool = False) -> str:
    """The URL of database `name`: with `reuse` kept as it is (created if it does not exist yet),
    else dropped and created anew."""
    if reuse:
        import psycopg

        admin_url = os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return admin_url.rsplit("/", 1)[0] + "/" + name
    return fresh_postgres_database(name)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesh_portal.settings")
    os.environ.setdefault("DEBUG", "1")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
