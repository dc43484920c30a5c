"""Alembic environment.

`storage.db.upgrade` hands over its connection in `config.attributes`; from the
CLI the database comes from `-x url=...` (see alembic.ini). alembic.ini's
logging is deliberately not loaded: `fileConfig` would reset the app's loggers.
"""

from alembic import context
from sqlalchemy import Connection

from storage.db import make_engine, schema_change
from storage.models import Base


def run(connection: Connection) -> None:
    with schema_change(connection):
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")

given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("name the database: alembic -x url=sqlite:///data/tutor.db ...")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            run(connection)
    finally:
        engine.dispose()
