"""The CRUD alternative as a user would build it: SQLAlchemy 2 ORM models of a need and its SWOT
items, versioned by SQLAlchemy-Continuum (history tables `need_version`, `swot_item_version` and
`transaction`, validity strategy — its default), optimistic concurrency with `version_id_col`.

Imported only when SQLAlchemy and SQLAlchemy-Continuum are installed (the `bench` extra).
Continuum's `make_versioned()` is process-global, so the models live in this one module.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column, relationship
from sqlalchemy_continuum import make_versioned, version_class, versioning_manager

make_versioned(user_cls=None)


class Base(DeclarativeBase):
    pass


class CrudNeed(Base):
    __versioned__: dict[str, object] = {}
    __tablename__ = "need"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(63), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    problem_statement: Mapped[str] = mapped_column(sa.Text)
    innovation_area_id: Mapped[str] = mapped_column(sa.String(36))
    status: Mapped[str] = mapped_column(sa.String(32))
    visibility: Mapped[str] = mapped_column(sa.String(16))
    updated_by: Mapped[str] = mapped_column(sa.String(100))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    swot_items: Mapped[list[CrudSwotItem]] = relationship(
        back_populates="need", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class CrudSwotItem(Base):
    __versioned__: dict[str, object] = {}
    __tablename__ = "swot_item"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    need_id: Mapped[str] = mapped_column(sa.ForeignKey("need.id"), index=True)
    quadrant: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)
    author: Mapped[str] = mapped_column(sa.String(100))
    need: Mapped[CrudNeed] = relationship(back_populates="swot_items")


configure_mappers()
NeedVersion = version_class(CrudNeed)
SwotItemVersion = version_class(CrudSwotItem)
Transaction = versioning_manager.transaction_cls


class CrudToken(Base):
    """Bearer tokens of the CRUD web service (stored as the secret's SHA-256, as ours are)."""

    __tablename__ = "api_token"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(100))
    owner: Mapped[str] = mapped_column(sa.String(63))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
