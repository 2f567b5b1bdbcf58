"""The seed's network: Skurup and Ystad's work model, its nine challenges and three pilots.

Public record (Vinnova-funded project, 2018). People are invented; their names live only in
the people directory, never in events.
"""

from __future__ import annotations

MUNICIPALITIES = [
    {"slug": "ystad", "name": "Ystads kommun", "organisation_number": "212000-1249"},
    {"slug": "skurup", "name": "Skurups kommun", "organisation_number": "212000-1181"},
    {"slug": "trelleborg", "name": "Trelleborgs kommun", "organisation_number": "212000-1173"},
    {"slug": "staffanstorp", "name": "Staffanstorps kommun", "organisation_number": "212000-1132"},
    {"slug": "kavlinge", "name": "Kävlinge kommun", "organisation_number": "212000-1108"},
    {"slug": "burlov", "name": "Burlövs kommun", "organisation_number": "212000-1116"},
]

ROLES = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")

# Invented people: their names live in the erasable people directory, never in events.
FIRST_NAMES = ("Anna", "Erik", "Maria", "Johan", "Karin", "Lars")
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson")

# The nine challenges Skurup and Ystad identified, each filed under its area of the network's
# shared catalogue (domain/innovation_areas.py), with a SWOT each (owner, area, title,
# statement).
CHALLENGES = [
    (
        "ystad",
        "Ökat samutnyttjande",
        "Ökat samutnyttjande",
        "Kommunens resurser används en liten del av tiden och står oanvända resten.",
    ),
    (
        "ystad",
        "Samutnyttjade lokaler",
        "Samutnyttjade lokaler",
        "Lokaler för skola, kultur och föreningar står tomma kvällar och helger.",
    ),
    (
        "skurup",
        "Privat mark",
        "Privat mark",
        "Privat mark i tätorten ligger outnyttjad medan kommunen saknar mark för behov.",
    ),
    (
        "skurup",
        "Överskottsenergi",
        "Överskottsenergi",
        "Överskottsvärme och solel från kommunens fastigheter tas inte tillvara.",
    ),
    (
        "ystad",
        "Delningstjänst för transporter/boende/LSS",
        "Delningstjänst för transporter, boende och LSS",
        "Transporter, boenden och LSS-insatser planeras var för sig och med låg beläggning.",
    ),
    (
        "skurup",
        "Rena och torra golv",
        "Rena och torra golv i förskolan",
        "Blöta och smutsiga golv i förskolan ger halkrisk, slitage och sämre inomhusmiljö.",
    ),
    (
        "ystad",
        "Lärprocess för AI",
        "Lärprocess för AI",
        "Medarbetare saknar ett sätt att lära sig vad AI kan göra för kommunens verksamheter.",
    ),
    (
        "skurup",
        "AR i stadsplanering",
        "AR i stadsplanering",
        "Medborgare har svårt att förstå hur planerad bebyggelse kommer att se ut på plats.",
    ),
    (
        "ystad",
        "Delningstjänst mellan kommuner",
        "Delningstjänst mellan kommuner",
        "Kommunerna lånar och byter tjänster, utrustning och kompetens sällan och omständligt.",
    ),
]

SWOT = {
    "strength": "Engagerade medarbetare och politiskt stöd för arbetet",
    "weakness": "Begränsade resurser för att driva utveckling i en liten kommun",
    "opportunity": "Marknaden visar intresse och grannkommuner har samma behov",
    "threat": "Risk att lösningen inte går att integrera i befintliga system",
}

SCORES = {
    "impact": 5,
    "feasibility": 4,
    "market_readiness": 3,
    "cost_viability": 4,
    "organisational_readiness": 4,
}

AUTHORISED_DECISIONS = (
    "prioritise", "park", "reopen", "reject", "decide_to_procure", "mark_realised",
    "screen", "choose_procedure", "publish", "award", "cancel", "sign_contract", "close",
    "terminate_early", "join", "decline", "withdraw",
    "join_project", "decline_project", "withdraw_from_project", "link_to_project",
    "unlink_from_project", "publish_to_market", "withdraw_from_market",
)  # fmt: skip
DELEGATED_CEILING_SEK = "5000000.00"

# The development project Vinnova funded (public record: Skurup and Ystad, three steps, three
# pilots in 2018, the AI pilot run with four more municipalities). Its dates within 2018-2019
# follow the seed; the reference group's organisations are invented for the demo.
PROJECT = {
    "title": "Arbetsmodell för innovationsupphandling i små och medelstora kommuner",
    "description": "Skurup och Ystad utvecklar med stöd av Vinnova en resurseffektiv modell för "
    "innovationsupphandling som prövas i tre upphandlingar och integreras i det löpande "
    "inköpsarbetet, så att andelen innovationsupphandlingar ökar.",
    "starts_on": "2018-01-15",
    "ends_on": "2019-12-31",
    "funder": {"name": "Vinnova", "programme": "Innovationsupphandling"},
}
PROJECT_PHASES = {
    "needs_identification": {
        "starts_on": "2018-01-15", "ends_on": "2018-03-31",
        "description": "Tvärfunktionella workshoppar i båda kommunerna; SWOT för varje utmaning.",
        "results": "Nio utmaningar i fyra innovationsområden; tre valda för pilotupphandlingar.",
    },
    "pilots": {
        "starts_on": "2018-03-14", "ends_on": "2018-12-31",
        "description": "Tre innovationsupphandlingar enligt modellen: rena golv i förskolan "
        "(Skurup), delningstjänst mellan kommuner (Ystad), lärprocess för AI (Ystad med "
        "Trelleborg, Staffanstorp, Kävlinge och Burlöv).",
        "results": "Lägg tid på behovsidentifiering och på att bygga nätverk; samla flera "
        "kompetenser.",
    },
    "implementation": {
        "starts_on": "2018-10-01", "ends_on": "2019-12-31",
        "description": "Modellen implementeras i det löpande inköpsarbetet: varje upphandling "
        "bedöms för innovationspotential.",
        "results": None,
    },
}  # fmt: skip
PROJECT_REFERENCE_GROUP = (
    ("Upphandlingsmyndigheten", "Stöd och vägledning om innovationsupphandling"),
    ("Region Skåne", "Regional utveckling och näringsliv"),
)
