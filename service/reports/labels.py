"""Swedish names of the codes a report shows (decision types, procedures, states, relations).

A code without a name here is shown as it is: a report never hides what the record says.
"""

from __future__ import annotations

DECISION_TYPES_SV = {
    "prioritise": "Prioritering",
    "park": "Parkering",
    "reopen": "Återöppning",
    "reject": "Avslag",
    "decide_to_procure": "Anskaffningsbeslut",
    "mark_realised": "Behovet realiserat",
    "screen": "Innovationsbedömning",
    "choose_procedure": "Val av förfarande",
    "publish": "Annonsering",
    "award": "Tilldelningsbeslut",
    "cancel": "Avbrytande",
    "sign_contract": "Avtalstecknande",
    "close": "Avslut",
    "terminate_early": "Förtida avslut",
    "join": "Deltagande",
    "decline": "Avböjt deltagande",
    "withdraw": "Utträde",
    "adopt_innovation_target": "Mål för innovationsandel",
    "grant_role": "Tilldelad roll",
    "revoke_role": "Återkallad roll",
}
PROCEDURES_SV = {
    "open": "Öppet förfarande",
    "restricted": "Selektivt förfarande",
    "negotiated_with_notice": "Förhandlat med annonsering",
    "negotiated_without_notice": "Förhandlat utan annonsering",
    "competitive_dialogue": "Konkurrenspräglad dialog",
    "innovation_partnership": "Innovationspartnerskap",
    "direct_award": "Direktupphandling",
    "pre_commercial": "Förkommersiell upphandling",
    "call_off": "Avrop från ramavtal",
}
STATES_SV = {
    "planning": "Planering",
    "tendering": "Annonserad",
    "evaluation": "Utvärdering",
    "awarded": "Tilldelad",
    "contracted": "Avtal tecknat",
    "implementing": "Genomförande",
    "closed": "Avslutad",
    "cancelled": "Avbruten",
    "identified": "Identifierat",
    "prioritised": "Prioriterat",
    "parked": "Parkerat",
    "rejected": "Avslaget",
    "procurement_decided": "Anskaffningsbeslut fattat",
    "in_procurement": "Under upphandling",
    "realised": "Realiserat",
}
RELATIONS_SV = {
    "lead": "Leder",
    "co_lead": "Leder tillsammans med",
    "participant": "Deltar",
    "owner": "Äger",
    "co_owner": "Äger tillsammans med",
}
MEASURES_SV = {
    "started_count": "påbörjade upphandlingar, antal",
    "started_value": "påbörjade upphandlingar, värde",
    "contracted_count": "avtalade upphandlingar, antal",
    "contracted_value": "avtalade upphandlingar, värde",
}
DIRECTIONS_SV = {"rising": "stigande", "falling": "fallande", "flat": "oförändrad"}
ROLES_SV = {
    "decision_maker": "Beslutsfattare",
    "officer": "Handläggare",
    "tenant_admin": "Administratör",
    "auditor": "Revisor",
    "viewer": "Läsare",
}


def named(names: dict[str, str], code: str | None) -> str | None:
    if code is None:
        return None
    return names.get(code, code)
