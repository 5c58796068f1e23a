"""Alembic environment: the engine comes from the caller (``init-db``, tests)
or, for the plain ``alembic`` command, from ``PINDAI_DATABASE_URL``."""
import os

from alembic import context

from content_service.catalogue import models as _catalogue_models  # noqa: F401  (registers the tables)
from content_service.codes import models as _codes_models  # noqa: F401
from content_service.kiosks import models as _kiosks_models  # noqa: F401
from content_service.circulation import models as _circulation_models  # noqa: F401
from content_service.events import models as _events_models  # noqa: F401
from content_service.staff import models as _staff_models  # noqa: F401
from content_service.sip2 import models as _sip2_models  # noqa: F401
from content_service.sip2 import server_models as _sip2_server_models  # noqa: F401
from content_service.visitors import models as _visitors_models  # noqa: F401
from content_service.notifications import models as _notifications_models  # noqa: F401
from content_service.db import Base, make_engine

from content_service.search.postgres_schema import include_name

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(os.environ.get("PINDAI_DATABASE_URL", "sqlite:///instance/pindai.db"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
