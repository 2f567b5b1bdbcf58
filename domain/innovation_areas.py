"""The network's shared catalogue of innovation areas (innovationsområden).

Skurup and Ystad's needs identification found nine areas with potential for innovation in
procurement (the work model's step 1). They are the catalogue every municipality files its needs
under from the day it joins: no municipality adds or copies them, and their ids are the same in
every store (derived from a fixed namespace and a key that never changes, even if a name's
wording is corrected later). A municipality adds its own areas beside them (Municipality's
InnovationAreaAdded), listed to the whole network or to itself only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.errors import InvalidValue

# Whose catalogue lists an area a municipality adds: its own only (`municipality`), or every
# municipality's, beside the shared ones (`network`). Listing, not secrecy: an area's name is
# part of the municipality's record and shows with any shared need filed under it, so nothing
# confidential belongs in it (that goes in a need, private by default).
AREA_OWN = "municipality"
AREA_NETWORK = "network"
AREA_VISIBILITIES = (AREA_OWN, AREA_NETWORK)

SHARED_CATALOGUE_NAMESPACE = uuid.UUID("b0f3a2de-5c1e-4f7a-9d0b-2e6c8a4f1d37")


@dataclass(frozen=True)
class SharedArea:
    key: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(SHARED_CATALOGUE_NAMESPACE, self.key))


SHARED_AREAS: tuple[SharedArea, ...] = (
    SharedArea(
        "okat-samutnyttjande",
        "Ökat samutnyttjande",
        "Kommunens resurser används en liten del av tiden; fler kan använda dem.",
    ),
    SharedArea(
        "samutnyttjade-lokaler",
        "Samutnyttjade lokaler",
        "Lokaler för skola, kultur och föreningar som kan användas av fler.",
    ),
    SharedArea(
        "privat-mark",
        "Privat mark",
        "Outnyttjad privat mark i tätorten och kommunens behov av mark.",
    ),
    SharedArea(
        "overskottsenergi",
        "Överskottsenergi",
        "Överskottsvärme och solel från kommunens fastigheter som kan tas tillvara.",
    ),
    SharedArea(
        "delningstjanst-transporter-boende-lss",
        "Delningstjänst för transporter/boende/LSS",
        "Transporter, boenden och LSS-insatser som kan planeras och delas gemensamt.",
    ),
    SharedArea(
        "rena-och-torra-golv",
        "Rena och torra golv",
        "Rena och torra golv i förskola och skola: halkrisk, slitage och inomhusmiljö.",
    ),
    SharedArea(
        "larprocess-for-ai",
        "Lärprocess för AI",
        "Att lära sig vad AI kan göra för verksamheten, för att underlätta digitalisering.",
    ),
    SharedArea(
        "ar-i-stadsplanering",
        "AR i stadsplanering",
        "Förstärkt verklighet som visar planerad bebyggelse på plats.",
    ),
    SharedArea(
        "delningstjanst-mellan-kommuner",
        "Delningstjänst mellan kommuner",
        "Att låna och byta tjänster, utrustning och kompetens kommunerna emellan.",
    ),
)
_BY_ID = {area.id: area for area in SHARED_AREAS}


def shared_area(area_id: object) -> SharedArea | None:
    """The shared catalogue's area with this id, if it is one."""
    return _BY_ID.get(str(area_id))


def shared_area_named(name: str) -> SharedArea:
    """The shared catalogue's area of this name (case-insensitive); KeyError if none."""
    for area in SHARED_AREAS:
        if area.name.casefold() == name.casefold():
            return area
    raise KeyError(name)


def area_visibility(value: object) -> str:
    if value not in AREA_VISIBILITIES:
        raise InvalidValue(
            f"visibility: one of {', '.join(AREA_VISIBILITIES)}", field="visibility"
        )
    return str(value)
