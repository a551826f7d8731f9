"""The unit of work: where a use case's transaction begins and ends.

Every use case in `webgis.services` that writes runs inside `unit_of_work()`: it commits
when the use case returns and rolls back when anything raises, so a failed write leaves
nothing behind (never a partial write). A read runs inside `reading()`, which hands out
the same session without committing. The edge (`api`, `web`, `cli`) never commits and never
touches the session itself: it calls a service.

The session is the app's scoped session (`webgis.extensions.db.session`), looked up when
the unit of work opens, not when this module is imported, so the tests' transactional
session (tests/conftest.py) is the one used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webgis.extensions import db


def current_session() -> Session:
    """The scoped session of this thread/app context."""
    return db.session()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A write: commit on success, roll back on any exception (and re-raise it)."""
    session = current_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def reading() -> Iterator[Session]:
    """A read: the session, no commit. A database error rolls the session back, so the
    next use case in the same context starts on a clean transaction."""
    session = current_session()
    try:
        yield session
    except SQLAlchemyError:
        session.rollback()
        raise


def discard() -> None:
    """Roll back whatever this context's session holds (a request that failed: its error
    handler answers, and the next request starts clean)."""
    db.session.rollback()


def end_of_context() -> None:
    """Close this thread's session (a background thread's last step; a request's is done
    by Flask-SQLAlchemy at teardown)."""
    db.session.remove()
