"""Every kind of refusal the API gives, explained in Swedish and English with its legal ground.

A problem answer's `type` is the URI of one of these entries, served by the service itself at
`/problems/<slug>` (see `problem_pages.py`). The slug is the refusal's stable `rule` code (with
hyphens) where the core names one, else the HTTP-level kind (`invalid-input`, `not-found`, ...).
A rule the core raises without an entry here fails the test that collects every rule code, so a
new rule cannot ship unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemType:
    status: int
    title_sv: str
    title_en: str
    text_sv: str
    text_en: str
    # The law, ordinance or model the rule comes from; "" where it is the service's own rule.
    legal: str = ""


LOU = "Lag (2016:1145) om offentlig upphandling (LOU)"
KL = "Kommunallag (2017:725)"
MODEL = "Arbetsmodellen för innovationsupphandling i små och medelstora kommuner (Skurup/Ystad)"


def _t(status: int, sv: str, en: str, text_sv: str, text_en: str, legal: str = "") -> ProblemType:
    return ProblemType(status, sv, en, text_sv, text_en, legal)


PROBLEM_TYPES: dict[str, ProblemType] = {
    # HTTP-level kinds
    "invalid-input": _t(
        422, "Ogiltiga uppgifter", "Invalid input",
        "Ett eller flera fält har ett värde som aldrig kan vara rätt (format, intervall). "
        "Svaret nämner fälten i `errors`; inget har sparats.",
        "One or more fields hold a value that can never be right (format, range). The answer "
        "names them in `errors`; nothing was stored.",
    ),
    "bad-request": _t(
        400, "Felaktig begäran", "Bad request",
        "Begäran kunde inte läsas: kroppen är inte välformad JSON i UTF-8, är för djupt nästlad "
        "eller har ett tal utanför gränserna.",
        "The request could not be read: its body is not well-formed UTF-8 JSON, is nested too "
        "deeply or holds a number out of range.",
    ),
    "unauthorized": _t(
        401, "Inte inloggad", "Not authenticated",
        "Begäran saknar en giltig token (`Authorization: Bearer <token>`), eller så har tokenen "
        "gått ut eller återkallats. Be din kommuns administratör om en ny token; demons tokens "
        "förnyas av `make run`.",
        "The request has no valid token (`Authorization: Bearer <token>`), or the token expired "
        "or was revoked. Ask your municipality's admin for a new one; `make run` renews the "
        "demo's tokens.",
    ),
    "too-many-requests": _t(
        429, "För många misslyckade inloggningar", "Too many failed authentications",
        "För många försök med fel token från samma token-id eller adress. Vänta så många sekunder "
        "som `Retry-After` anger. Andra användare påverkas inte.",
        "Too many attempts with a wrong token for the same token id or from the same address. "
        "Wait the seconds `Retry-After` gives. Other callers are not slowed.",
    ),
    "forbidden": _t(
        403, "Rollen räcker inte", "Role does not allow this",
        "Du ser objektet men din roll får inte göra detta. Rollerna och vad de får göra står i "
        "produktbeskrivningen; din kommuns administratör tilldelar roller.",
        "You see the object, but your role does not allow this action. Your municipality's "
        "tenant admin grants roles.",
    ),
    "no-authority": _t(
        403, "Beslutet saknar stöd", "No authority for this decision",
        "Beslutet stöds varken av delegationsordningen i kraft vid `decided_at` eller av ett "
        "protokollfört nämndbeslut (`authority.kind = board`).",
        "Neither the delegation order in force at `decided_at` nor a recorded board decision "
        "(`authority.kind = board`) backs this decision.",
        f"{KL} 6 kap. 37 § och 7 kap. 5 § (delegering)",
    ),
    "not-found": _t(
        404, "Finns inte", "Not found",
        "Objektet finns inte, eller så tillhör det en annan kommun och är inte delat: de två "
        "fallen går medvetet inte att skilja åt.",
        "The object does not exist, or it belongs to another municipality and is not shared: "
        "the two cases are deliberately indistinguishable.",
    ),
    "method-not-allowed": _t(
        405, "Metoden stöds inte", "Method not allowed",
        "Adressen finns men inte med denna metod; `Allow` anger vilka som går.",
        "The address exists, but not with this method; `Allow` lists those that do.",
    ),
    "payload-too-large": _t(
        413, "För stor begäran", "Request too large",
        "Kroppen är större än tjänsten tar emot (`INNOLEDGER_MAX_BODY_BYTES`).",
        "The body is larger than the service accepts (`INNOLEDGER_MAX_BODY_BYTES`).",
    ),
    "unsupported-media-type": _t(
        415, "Fel innehållstyp", "Unsupported media type",
        "Skicka kroppen som `application/json`.",
        "Send the body as `application/json`.",
    ),
    "not-acceptable": _t(
        406, "Formatet finns inte", "Format not available",
        "`Accept` nämner inget format som svaret finns i. Rapporter finns som "
        "`application/json`, `text/csv` och `application/pdf`; välj med `?format=json|csv|pdf`.",
        "`Accept` names no format the answer exists in. Reports are served as "
        "`application/json`, `text/csv` and `application/pdf`; choose with "
        "`?format=json|csv|pdf`.",
    ),
    "version-mismatch": _t(
        412, "Versionen har ändrats", "The version changed",
        "`If-Match` nämner en version som inte längre är den senaste: någon annan har ändrat "
        "objektet. Läs det igen (svaret anger `current_version`), se vad som ändrats och försök "
        "igen med den nya versionen.",
        "`If-Match` names a version that is no longer current: someone else changed the object. "
        "Read it again (the answer gives `current_version`), see what changed and retry with "
        "the new version.",
    ),
    "precondition-required": _t(
        428, "If-Match saknas", "If-Match required",
        'Kommandon på ett befintligt objekt kräver `If-Match: "<version>"` med den version (ETag) '
        "du senast läste, så att ingen ändring går förlorad. `*` godtas inte.",
        'Commands on an existing object need `If-Match: "<version>"` with the version (ETag) you '
        "last read, so that no change is lost. `*` is refused.",
    ),
    "conflict": _t(
        409, "Samtidig ändring", "Conflicting change",
        "Någon annan sparade samma objekt mellan vår läsning och vår skrivning, eller så finns "
        "det redan. Läs objektet igen och försök på nytt.",
        "Someone else saved the same object between our read and our write, or it exists "
        "already. Read it again and retry.",
    ),
    "concurrent-update": _t(
        409, "Samtidig ändring", "Concurrent update",
        "En annan skrivare sparade samma objekt mellan vår kontroll och vår skrivning. Inget "
        "av ditt kommando sparades; läs objektet igen och försök på nytt.",
        "Another writer saved the same object between our check and our save. Nothing of your "
        "command was stored; read the object again and retry.",
    ),
    "already-exists": _t(
        409, "Finns redan", "Exists already",
        "Ett objekt med samma identitet finns redan (t.ex. en kommun med samma slug).",
        "An object with the same identity exists already (e.g. a municipality with that slug).",
    ),
    "idempotency-key-reused": _t(
        422, "Idempotency-Key återanvänd", "Idempotency-Key reused",
        "Samma `Idempotency-Key` användes tidigare med en annan begäran. En nyckel hör till "
        "exakt en begäran; skapa en ny nyckel för en ny begäran.",
        "The same `Idempotency-Key` was used before with a different request. A key belongs to "
        "exactly one request; make a new key for a new request.",
        "IETF draft-ietf-httpapi-idempotency-key-header",
    ),
    "idempotency-key-in-use": _t(
        409, "Begäran pågår", "Request in progress",
        "En begäran med samma `Idempotency-Key` behandlas fortfarande. Vänta `Retry-After` "
        "sekunder och försök igen.",
        "A request with the same `Idempotency-Key` is still being processed. Wait "
        "`Retry-After` seconds and retry.",
        "IETF draft-ietf-httpapi-idempotency-key-header",
    ),
    "database-unavailable": _t(
        503, "Databasen nås inte", "Database unavailable",
        "Databasen svarar inte just nu. Inget har sparats; försök igen efter `Retry-After`.",
        "The database does not answer right now. Nothing was stored; retry after `Retry-After`.",
    ),
    "internal-server-error": _t(
        500, "Internt fel", "Internal error",
        "Ett oväntat fel; det är loggat med begärans `request_id`. Inget halvt har sparats.",
        "An unexpected error; it was logged with the request's `request_id`. Nothing half-done "
        "was stored.",
    ),
    # Generic rule codes
    "rule": _t(
        409, "Regel hindrar", "Refused by a rule",
        "Kommandot är välformat men en verksamhets- eller lagregel tillåter det inte nu. Svarets "
        "`rule` och `detail` säger vilken.",
        "The command is well-formed, but a business or legal rule does not allow it now. The "
        "answer's `rule` and `detail` say which.",
    ),
    "rule-violation": _t(
        409, "Regel hindrar", "Refused by a rule",
        "Kommandot är välformat men en regel tillåter det inte nu.",
        "The command is well-formed, but a rule does not allow it now.",
    ),
    "domain-rule": _t(
        409, "Regel hindrar", "Refused by a rule",
        "Kommandot är välformat men en regel tillåter det inte nu.",
        "The command is well-formed, but a rule does not allow it now.",
    ),
    "application": _t(
        400, "Felaktig begäran", "Bad request",
        "Begäran kan inte utföras som den är formulerad.",
        "The request cannot be carried out as phrased.",
    ),
    "invalid-value": _t(
        422, "Ogiltigt värde", "Invalid value",
        "Värdet kan aldrig vara rätt, oavsett tillstånd. Fältet nämns i `errors`.",
        "The value can never be right, whatever the state. `errors` names the field.",
    ),
    "wrong-state": _t(
        409, "Fel steg i processen", "Not at this step",
        "Objektet är inte i ett tillstånd där detta går. Svaret nämner tillståndet, vilka "
        "tillstånd som tillåter kommandot och i `next_steps` vilket anrop som leder dit. "
        "Upphandlingens steg: planning → (publish) tendering → (POST …/evaluation) evaluation → "
        "(award) awarded → (sign_contract) contracted → (milestone) implementing → (close) "
        "closed. Behovets steg: identified → (prioritise) prioritised → (decide_to_procure) "
        "procurement_decided → (POST /procurements) in_procurement → (mark_realised) realised.",
        "The object is not in a state that allows this. The answer names its state, the states "
        "that allow the command and, in `next_steps`, the call that leads there. A "
        "procurement's steps: planning → (publish) tendering → (POST …/evaluation) evaluation → "
        "(award) awarded → (sign_contract) contracted → (milestone) implementing → (close) "
        "closed. A need's: identified → (prioritise) prioritised → (decide_to_procure) "
        "procurement_decided → (POST /procurements) in_procurement → (mark_realised) realised.",
        MODEL,
    ),
    "not-yet-existing": _t(
        404, "Finns inte än", "Does not exist yet",
        "Objektet fanns inte vid den version eller tidpunkt som efterfrågades.",
        "The object did not exist at the version or moment asked for.",
    ),
    "not-own-decision": _t(
        403, "Annan kommuns beslut", "Another municipality's decision",
        "Beslutet tillhör en annan kommun: att delta eller avböja är den inbjudna kommunens eget "
        "beslut; upphandlingens beslut fattas av den ledande kommunen.",
        "The decision belongs to another municipality: joining or declining is the invited "
        "municipality's own decision; a procurement's decisions are its lead's.",
        KL,
    ),
    "role-missing": _t(
        403, "Rollen räcker inte", "Role does not allow this",
        "Din roll får inte göra detta (t.ex. kräver ett nämndbeslut rollen officer eller "
        "decision_maker). Administratören tilldelar roller.",
        "Your role does not allow this (e.g. recording a board decision needs the officer or "
        "decision_maker role). The tenant admin grants roles.",
    ),
    # Delegation (delegationsordning)
    "no-delegation-order": _t(
        403, "Ingen delegationsordning", "No delegation order in force",
        "Ingen delegationsordning gällde vid beslutsdagen. Anta en (`PUT "
        "/municipalities/{slug}/delegation-order`) eller registrera beslutet som nämndbeslut.",
        "No delegation order was in force on the decision date. Adopt one (`PUT "
        "/municipalities/{slug}/delegation-order`) or record the decision as a board decision.",
        f"{KL} 6 kap. 37 §, 7 kap. 5 §",
    ),
    "not-delegated": _t(
        403, "Beslutet är inte delegerat", "Decision not delegated",
        "Delegationsordningen i kraft vid `decided_at` ger inte din roll rätt att fatta denna "
        "typ av beslut. Registrera ett nämndbeslut eller låt rätt delegat besluta.",
        "The delegation order in force at `decided_at` gives your role no right to this kind of "
        "decision. Record a board decision, or let the right delegate decide.",
        f"{KL} 6 kap. 37 §, 7 kap. 5 §",
    ),
    "above-delegated-ceiling": _t(
        403, "Över delegationens beloppsgräns", "Above the delegated ceiling",
        "Värdet överstiger beloppsgränsen i delegationsordningen; beslutet behöver fattas av "
        "nämnden (`authority.kind = board`).",
        "The value is above the delegation order's ceiling; the board must take the decision "
        "(`authority.kind = board`).",
        f"{KL} 6 kap. 37 §, 7 kap. 5 §",
    ),
    # Municipality
    "municipality-suspended": _t(
        409, "Kommunen är avstängd", "Municipality suspended",
        "Kommunen är avstängd från plattformen; dess kommandon avvisas tills den återaktiveras.",
        "The municipality is suspended from the platform; its commands are refused until it is "
        "reactivated.",
    ),
    "already-suspended": _t(
        409, "Redan avstängd", "Suspended already",
        "Kommunen är redan avstängd.", "The municipality is suspended already.",
    ),
    "not-suspended": _t(
        409, "Inte avstängd", "Not suspended",
        "Kommunen är inte avstängd och kan inte återaktiveras.",
        "The municipality is not suspended, so it cannot be reactivated.",
    ),
    "role-held": _t(
        409, "Har redan rollen", "Role held already",
        "Personen har redan rollen.", "The person holds the role already.",
    ),
    "no-rule-in-force": _t(
        409, "Ingen regel gällde då", "No rule in force then",
        "Beslutet är daterat före det första beloppet i tabellen över upphandlingsrättens "
        "belopp (tröskelvärden, direktupphandlingsgräns, avtalsspärr), så det kan inte prövas mot "
        "lagen som gällde då. Kontrollera datumet.",
        "The decision is dated before the first entry of the table of procurement-law amounts "
        "(thresholds, direct-award limit, standstill), so it cannot be checked against the law "
        "in force then. Check the date.",
    ),
    "self-grant": _t(
        409, "Egen behörighet", "Granting oneself a role",
        "Ingen kan ge sig själv en roll: en annan administratör i kommunen beslutar om den, och "
        "beslutet förs in i beslutsloggen (åtskillnad av arbetsuppgifter).",
        "Nobody grants a role to themself: another admin of the municipality decides it, and the "
        "grant is recorded in the decision log (separation of duties).",
    ),
    "role-not-held": _t(
        409, "Har inte rollen", "Role not held",
        "Personen har inte rollen som skulle återkallas.",
        "The person does not hold the role to revoke.",
    ),
    "area-exists": _t(
        409, "Innovationsområdet finns", "Innovation area exists",
        "Ett aktivt innovationsområde med samma namn finns redan.",
        "An active innovation area with that name exists already.",
        MODEL,
    ),
    "area-retired": _t(
        409, "Innovationsområdet är avvecklat", "Innovation area retired",
        "Området är avvecklat: det finns kvar i historiken men nya behov kan inte placeras där. "
        "Välj ett aktivt område.",
        "The area is retired: it stays in history but takes no new needs. Choose an active one.",
        MODEL,
    ),
    "person-erased": _t(
        409, "Personen är raderad", "Person erased",
        "Personens uppgifter har raderats och registreras inte igen.",
        "The person's data was erased and is not recorded again.",
        "Dataskyddsförordningen (EU) 2016/679 art. 17",
    ),
    # Needs
    "no-change": _t(
        409, "Ingen ändring", "Nothing changes",
        "Ändringen ändrar ingenting; inget sparas.", "The edit changes nothing; nothing is stored.",
    ),
    "swot-full": _t(
        409, "SWOT är full", "SWOT full",
        "En SWOT rymmer högst 500 punkter.", "A SWOT holds at most 500 items.",
    ),
    "swot-incomplete": _t(
        409, "SWOT är ofullständig", "SWOT incomplete",
        "Prioritering kräver minst en SWOT-punkt i varje kvadrant (styrkor, svagheter, "
        "möjligheter, hot). Lägg till dem med `POST /needs/{id}/swot`.",
        "Prioritising needs at least one SWOT item in every quadrant (strengths, weaknesses, "
        "opportunities, threats). Add them with `POST /needs/{id}/swot`.",
        MODEL,
    ),
    "already-shared": _t(
        409, "Redan delat", "Shared already",
        "Behovet är redan delat med nätverket.", "The need is shared with the network already.",
    ),
    "not-shared": _t(
        409, "Inte delat", "Not shared",
        "Behovet är inte delat; bara delade behov kan samägas eller göras privata igen.",
        "The need is not shared; only shared needs can be co-owned or made private again.",
        MODEL,
    ),
    "has-co-owners": _t(
        409, "Har medägare", "Has co-owners",
        "Andra kommuner har anslutit sig till behovet; det förblir delat.",
        "Other municipalities joined the need; it stays shared.",
    ),
    "is-owner": _t(
        409, "Är ägare", "Is the owner",
        "Ägaren kan inte bli medägare till sitt eget behov.",
        "The owner cannot co-own its own need.",
    ),
    "co-owner": _t(
        409, "Redan medägare", "Co-owner already",
        "Kommunen är redan medägare.", "The municipality co-owns the need already.",
    ),
    "other-procurement": _t(
        409, "Annan upphandling", "Another procurement",
        "Behovet hör till en annan upphandling.", "The need belongs to another procurement.",
    ),
    "no-signed-contract": _t(
        409, "Inget undertecknat avtal", "No signed contract",
        "Ett behov markeras som realiserat först när dess upphandling har ett undertecknat avtal "
        "(`sign_contract`).",
        "A need is marked realised only once its procurement has a signed contract "
        "(`sign_contract`).",
        MODEL,
    ),
    "need-not-owned": _t(
        409, "Behovet är inte ert", "Need not yours",
        "Behovet ägs av en annan kommun; anslut som medägare först (`POST "
        "/needs/{id}/co-owners`).",
        "Another municipality owns the need; join it as co-owner first (`POST "
        "/needs/{id}/co-owners`).",
        MODEL,
    ),
    "need-not-decided": _t(
        409, "Inget anskaffningsbeslut", "No procurement decision",
        "Bara behov med anskaffningsbeslut kan upphandlas: prioritera behovet och fatta beslutet "
        "`decide_to_procure` (`POST /needs/{id}/decisions`).",
        "Only needs with a procurement decision (anskaffningsbeslut) can be procured: prioritise "
        "the need and take `decide_to_procure` (`POST /needs/{id}/decisions`).",
        MODEL,
    ),
    # Procurements
    "is-lead": _t(
        409, "Leder redan", "Is the lead",
        "Den ledande kommunen deltar redan.", "The lead takes part already.",
    ),
    "already-invited": _t(
        409, "Redan inbjuden", "Invited already",
        "Kommunen är redan inbjuden eller deltar.", "The municipality is invited or takes part "
        "already.",
    ),
    "not-screened": _t(
        409, "Inte innovationsbedömd", "Not screened",
        "Varje upphandling bedöms för innovationspotential innan den annonseras eller tilldelas: "
        "fatta beslutet `screen` först.",
        "Every procurement is screened for innovation before it is published or awarded: take "
        "the `screen` decision first.",
        MODEL,
    ),
    "no-procedure": _t(
        409, "Förfarande saknas", "No procedure",
        "Välj förfarande (`choose_procedure`) innan upphandlingen annonseras eller tilldelas.",
        "Choose the procedure (`choose_procedure`) before publishing or awarding.",
        f"{LOU} 6 kap.",
    ),
    "procedure-without-notice": _t(
        409, "Förfarandet annonseras inte", "Procedure without notice",
        "Direktupphandling och förhandlat förfarande utan föregående annonsering annonseras "
        "inte; tilldela direkt.",
        "Direct award and negotiated procedure without prior publication are not published; "
        "award directly.",
        f"{LOU} 6 kap. 12 §, 19 kap.",
    ),
    "direct-award-limit": _t(
        409, "Över direktupphandlingsgränsen", "Above the direct-award limit",
        "Direktupphandling får bara användas under direktupphandlingsgränsen som gäller på "
        "beslutsdagen (700 000 kr från 2024-01-01). Välj ett annonserat förfarande.",
        "Direct award is allowed only below the direct-award limit in force on the decision date "
        "(700 000 SEK from 2024-01-01). Choose a procedure with a notice.",
        f"{LOU} 19 kap. (direktupphandling)",
    ),
    "duplicate-bid": _t(
        409, "Anbud finns redan", "Bid recorded already",
        "Anbudsgivaren har redan lämnat ett anbud i denna upphandling.",
        "The tenderer has tendered in this procurement already.",
        f"{LOU} 4 kap. 1 § (likabehandling)",
    ),
    "before-tender-deadline": _t(
        409, "Anbudstiden har inte gått ut", "Before the tender deadline",
        "Anbuden öppnas och utvärderingen börjar först efter anbudstidens utgång.",
        "Bids are opened and the evaluation starts only after the tender deadline.",
        f"{LOU} 4 kap. 1 § (likabehandling)",
    ),
    "supplier-without-bid": _t(
        409, "Leverantören lämnade inget anbud", "Supplier without a bid",
        "Bara en leverantör som lämnat ett giltigt anbud i tid kan tilldelas kontraktet.",
        "Only a supplier that submitted a valid bid in time can be awarded the contract.",
        f"{LOU} 4 kap. 1 § (likabehandling)",
    ),
    "standstill": _t(
        409, "Avtalsspärr", "Standstill period",
        "Avtal får inte ingås under avtalsspärren: minst 10 dagar efter att "
        "tilldelningsbeslutet skickats elektroniskt, annars 15 dagar. Infaller sista dagen på "
        "lördag, söndag, helgdag, midsommar-, jul- eller nyårsafton flyttas den till nästa "
        "vardag. Avtalet får undertecknas från dagen efter den sista dagen (svaret anger den).",
        "A contract may not be signed during the standstill: at least 10 days after the award "
        "notice was sent electronically, 15 otherwise. A last day on a Saturday, Sunday, public "
        "holiday, midsummer, Christmas or New Year's Eve moves to the next weekday. The contract "
        "may be signed from the day after the last day (the answer gives it).",
        f"{LOU} 20 kap. 1–2 §§; lag (1930:173) om beräkning av lagstadgad tid",
    ),
    "under-review": _t(
        409, "Överprövning pågår", "Review pending",
        "En ansökan om överprövning väntar på avgörande; avtal får inte ingås innan den är "
        "avgjord. Ansöktes den under avtalsspärren förlängs spärren till tio dagar efter "
        "avgörandet (förlängd avtalsspärr).",
        "A review (överprövning) awaits its ruling; no contract may be signed before. Filed "
        "during the standstill, it extends the standstill to ten days after the ruling.",
        f"{LOU} 20 kap. 4 § och 10 §",
    ),
    "not-awarded": _t(
        409, "Inte tilldelad", "Not awarded",
        "Avtal tecknas bara med den leverantör som tilldelats kontraktet.",
        "The contract is signed only with the supplier that was awarded it.",
        f"{LOU} 12 kap. 12 § (tilldelningsbeslut)",
    ),
    "already-decided": _t(
        409, "Anskaffningsbeslutet finns", "Procurement decision recorded already",
        "Upphandlingens anskaffningsbeslut är redan registrerat.",
        "The procurement's decision to procure is recorded already.",
        MODEL,
    ),
    "already-registered": _t(
        409, "Redan registrerad", "Registered already",
        "En upphandling med samma registerreferens är redan registrerad; samma rad registreras "
        "aldrig två gånger.",
        "A procurement with the same register reference is registered already; a line is never "
        "registered twice.",
    ),
    "contract-needs-award": _t(
        409, "Avtal kräver tilldelning", "Contract needs an award",
        "Ett förfarande med avtalsspärr registreras utan avtal: registrera upphandlingen, "
        "tilldela (`award`) och teckna sedan avtalet (`sign_contract`) efter avtalsspärren.",
        "A procedure with a standstill is registered without its contract: register it, award "
        "(`award`), then sign (`sign_contract`) once the standstill has passed.",
        f"{LOU} 20 kap. 1 §",
    ),
    "value-shares-above-whole": _t(
        409, "Andelarna överstiger helheten", "Shares above the whole",
        "De deltagande kommunernas andelar av upphandlingens värde skulle tillsammans bli mer "
        "än 100 %. Justera andelen.",
        "The joined participants' shares of the procurement's value would add up to more than "
        "100 %. Adjust the share.",
        MODEL,
    ),
    "already-ruled": _t(
        409, "Redan avgjord", "Ruled already",
        "Överprövningen är redan avgjord.", "The review is ruled on already.",
    ),
    # Reviews (överprövning) and the extended standstill
    "extended-standstill": _t(
        409, "Förlängd avtalsspärr", "Extended standstill",
        "En ansökan om överprövning kom in till förvaltningsrätten under avtalsspärren: avtal "
        "får inte ingås förrän tio dagar har gått från avgörandet, räknat enligt lagen om "
        "beräkning av lagstadgad tid. Svaret anger sista dagen (`dates`).",
        "A review application reached the administrative court during the standstill: no "
        "contract may be signed until ten days have passed from the ruling, counted as statutory "
        "periods are. The answer gives the last day (`dates`).",
        f"{LOU} 20 kap. 10 §; lag (1930:173) om beräkning av lagstadgad tid",
    ),
    "interim-order": _t(
        409, "Interimistiskt beslut", "Interim order",
        "Domstolen har beslutat att avtal inte får ingås innan något annat har beslutats.",
        "The court has ordered that no contract be signed until further notice.",
        f"{LOU} 20 kap. 9 §",
    ),
    "contract-signed": _t(
        409, "Avtalet är ingått", "Contract signed",
        "Avtalet är redan ingått; domstolen kan inte längre stoppa eller skicka tillbaka "
        "upphandlingen.",
        "The contract is signed; the court can no longer stop the procurement or send it back.",
        f"{LOU} 20 kap. 6 §",
    ),
    "no-pending-case": _t(
        409, "Inget pågående mål", "No pending case",
        "Överprövningen är avgjord och inte överklagad: ingen domstol kan besluta i saken nu.",
        "The review is ruled on and not appealed: no court can order anything in it now.",
    ),
    "no-interim-order": _t(
        409, "Inget interimistiskt beslut", "No interim order",
        "Inget interimistiskt beslut gäller i målet.", "No interim order is in force in the case.",
    ),
    "not-ruled": _t(
        409, "Inte avgjord", "Not ruled",
        "Bara en avgjord överprövning kan överklagas.", "Only a ruled review can be appealed.",
    ),
    "already-appealed": _t(
        409, "Redan överklagad", "Appealed already",
        "Avgörandet är redan överklagat.", "The ruling is appealed already.",
    ),
    "not-appealed": _t(
        409, "Inte överklagad", "Not appealed",
        "Avgörandet är inte överklagat till kammarrätten.",
        "The ruling is not appealed to the administrative court of appeal.",
    ),
    # Valid time
    "dated-in-future": _t(
        422, "Daterad i framtiden", "Dated in the future",
        "Ett beslut eller en händelse kan inte dateras efter den dag (i Sverige) då den "
        "registreras. Det som hände tidigare kan alltid registreras i efterhand.",
        "A decision or fact cannot be dated after the day (in Sweden) it is recorded on. What "
        "happened earlier can always be recorded later.",
    ),
    "valid-time-order": _t(
        409, "Datum i fel ordning", "Dates out of order",
        "Ett steg i ett ärende kan inte dateras före det steg det bygger på (till exempel "
        "tilldelning före annonsering, avtal före avgörandet, uppföljning före avtalet). "
        "Svaret anger regeln och båda datumen (`dates`).",
        "A step of a lifecycle cannot be dated before the step it rests on (an award before the "
        "publication, a contract before the ruling, a follow-up before the contract). The "
        "answer names the rule and both dates (`dates`).",
    ),
    # Closing, analysis, needs
    "not-followed-up": _t(
        409, "Inte uppföljd", "Not followed up",
        "Bara ett genomfört och uppföljt avtal avslutas; ett avtal som upphör i förtid avslutas "
        "med beslutet `terminate_early` och dess skäl.",
        "Only a contract implemented and followed up is closed; one that ends early is ended "
        "by a `terminate_early` decision with its reason.",
        MODEL,
    ),
    "analysis-frozen": _t(
        409, "Analysen är låst", "Analysis frozen",
        "Efter prioriteringen ändras SWOT-analysen bara genom ett nytt prioriteringsbeslut "
        "(`swot_changes`).",
        "After the prioritisation the SWOT changes only through a new prioritisation decision "
        "(`swot_changes`).",
        MODEL,
    ),
    "amount-on-record": _t(
        409, "Beloppet finns redan", "Amount on record already",
        "Ett belopp för samma gräns och samma dag finns redan. Posterna ändras aldrig: beslut "
        "har prövats mot dem. Ett nytt belopp läggs till med sitt eget ikraftträdandedatum.",
        "An amount of the same series taking effect on the same day is on record. Entries "
        "never change: decisions were checked against them. A new amount is added with its own "
        "effective date.",
        LOU,
    ),
    "last-need": _t(
        409, "Sista behovet", "Last need",
        "Upphandlingen skulle inte längre avse något behov; den ledande kommunen avbryter den "
        "i stället.",
        "The procurement would address no need any more; the lead cancels it instead.",
    ),
    # The market
    "already-on-market": _t(
        409, "Redan publicerat för marknaden", "Published to the market already",
        "Behovet är redan publicerat för marknaden. Dra tillbaka det (`withdraw_from_market`) "
        "och publicera det igen för att ändra sammanfattningen.",
        "The need is published to the market already. Withdraw it (`withdraw_from_market`) "
        "and publish it again to change its summary.",
    ),
    "not-on-market": _t(
        409, "Inte publicerat för marknaden", "Not on the market",
        "Behovet är inte publicerat för marknaden; det finns inget att dra tillbaka.",
        "The need is not published to the market; there is nothing to withdraw.",
    ),
    # Joint development projects
    "is-coordinator": _t(
        409, "Samordnar redan", "Is the coordinator",
        "Den samordnande kommunen deltar redan i projektet.",
        "The coordinating municipality takes part in the project already.",
    ),
    "already-partner": _t(
        409, "Redan partner", "Partner already",
        "Organisationen är redan partner i projektet.",
        "The organisation is a partner of the project already.",
    ),
    "not-project-partner": _t(
        409, "Inte med i projektet", "Not a partner of the project",
        "Bara den samordnande kommunen och kommuner som har beslutat att gå med knyter sitt "
        "arbete till projektet. Samordnaren bjuder in (`POST /projects/{id}/partners`), sedan "
        "beslutar kommunen `join_project` (`POST /projects/{id}/decisions`).",
        "Only the coordinator and municipalities that decided to join link their work to the "
        "project. The coordinator invites (`POST /projects/{id}/partners`), then the "
        "municipality decides `join_project` (`POST /projects/{id}/decisions`).",
        MODEL,
    ),
    "already-linked": _t(
        409, "Redan knuten", "Linked already",
        "Behovet eller upphandlingen är redan knuten till projektet.",
        "The need or procurement is linked to the project already.",
    ),
    "not-linked": _t(
        409, "Inte knuten", "Not linked",
        "Behovet eller upphandlingen är inte knuten till projektet.",
        "The need or procurement is not linked to the project.",
    ),
    "linked-work": _t(
        409, "Knutet arbete kvar", "Linked work remains",
        "En kommun som lämnar projektet tar först bort kopplingen för sina behov och "
        "upphandlingar (`unlink_from_project`), så att projektets redovisning stämmer.",
        "A municipality leaving the project first unlinks its needs and procurements "
        "(`unlink_from_project`), so the project's account stays true.",
    ),
    "project-full": _t(
        409, "Projektet är fullt", "Project full",
        "Ett projekt har ett tak för partner, referensgruppens medlemmar och knutna objekt.",
        "A project has a ceiling on partners, reference group members and linked objects.",
    ),
}

# Steps out of order in valid time: one page each, all explained by the same rule.
for _code in (
    "signature_before_ruling", "signature_before_lifting", "review_before_publication",
    "review_before_award", "ruling_before_filing", "ruling_before_interim_order",
    "interim_order_before_case", "lifting_before_interim_order", "appeal_before_ruling",
    "ruling_before_appeal", "bid_before_publication", "award_before_evaluation",
    "milestone_before_contract", "follow_up_before_contract", "realised_before_contract",
    "project_decision_before_establishment", "unlink_before_link",
    "effective_before_adoption", "decided_before_meeting", "procurement_before_need_decision",
    "participation_before_previous", "opening_before_participation", "award_before_participation",
    "cancel_before_participation",
):  # fmt: skip
    PROBLEM_TYPES[_code.replace("_", "-")] = PROBLEM_TYPES["valid-time-order"]

# HTTP statuses whose Werkzeug name is not one of the slugs above.
KIND_ALIASES = {
    "request-entity-too-large": "payload-too-large",
    "too-many-requests": "too-many-requests",
    "precondition-failed": "version-mismatch",
}


def slug_of(code: str) -> str:
    """The problem type slug of a rule code (`wrong_state`) or an HTTP kind (`not-found`)."""
    slug = code.replace("_", "-").lower()
    return KIND_ALIASES.get(slug, slug)
