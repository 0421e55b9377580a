"""Alembic environment: the engine comes from fieldcode (``config.attributes['engine']``) or,
for the alembic command line, from ``sqlalchemy.url`` in alembic.ini / FIELDCODE_DB."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from fieldcode.store import models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = os.environ.get("FIELDCODE_DB") or config.get_main_option("sqlalchemy.url")
        engine = create_engine(url)
    writer = engine.execution_options(fieldcode_write=True)
    with writer.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
