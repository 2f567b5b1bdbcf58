"""The composed application: every use case of the service on one event-sourced application."""

from __future__ import annotations

from service.use_cases.municipalities import MunicipalityUseCases
from service.use_cases.needs import NeedUseCases
from service.use_cases.parties import PartyUseCases
from service.use_cases.procurements import ProcurementUseCases
from service.use_cases.projects import ProjectUseCases
from service.use_cases.purchasing import PurchasingUseCases
from service.use_cases.reads import ReadUseCases
from service.use_cases.share import ShareUseCases


class Innoledger(
    MunicipalityUseCases,
    NeedUseCases,
    PartyUseCases,
    ProcurementUseCases,
    ProjectUseCases,
    PurchasingUseCases,
    ShareUseCases,
    ReadUseCases,
):
    """Constructed once per process, after fork: it opens the store's connection pool."""
