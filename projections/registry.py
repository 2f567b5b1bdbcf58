"""The read models this package provides, in the order they are created and run."""

from __future__ import annotations

from projections.base import Projection
from projections.views.decision_log import DecisionLog
from projections.views.innovation_areas import InnovationAreas
from projections.views.innovation_share import InnovationShare
from projections.views.lessons import Lessons
from projections.views.market_needs import MarketNeeds
from projections.views.network_needs import NetworkNeeds
from projections.views.procurement_portfolio import ProcurementPortfolio
from projections.views.tenant_index import TenantIndex


def all_projections() -> list[Projection]:
    return [
        TenantIndex(),
        NetworkNeeds(),
        ProcurementPortfolio(),
        InnovationShare(),
        Lessons(),
        DecisionLog(),
        InnovationAreas(),
        MarketNeeds(),
    ]


def projection_named(name: str) -> Projection:
    for projection in all_projections():
        if projection.name == name:
            return projection
    raise KeyError(name)
