"""Alembic environment: always run programmatically by :func:`review.store.migrate`.

The caller passes an open connection in ``config.attributes["connection"]``; there is no
alembic.ini and no URL here.
"""

from __future__ import annotations

from alembic import context

from review.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
