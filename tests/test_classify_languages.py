"""Sole-source cues in every official EU language and Canadian French (bot/cues_eu.py)."""

from pathlib import Path

import pytest
from lxml import etree

from bot.classify import classify, explain
from bot.eforms_labels import CODELIST_LABELS
from bot.notice import Notice
from bot.statements import sentences

EFORMS = Path(__file__).parent / "fixtures" / "classify" / "eforms"
JUSTIFICATIONS = ("exclusive", "technical", "artistic", "urgency", "additional", "repetition", "existing",
                  "irregular", "unsuitable", "commodity", "bargain", "closure", "liquidator")
CODELISTS = {"neg-wo-call": "eforms_codelist_procurement-procedure-type.gc.xml"} | {
    code: "eforms_codelist_direct-award-justification.gc.xml" for code in JUSTIFICATIONS}
EU_LANGUAGES = {"bul", "ces", "dan", "deu", "ell", "eng", "spa", "est", "fin", "fra", "gle", "hrv", "hun", "ita",
                "lit", "lav", "mlt", "nld", "pol", "por", "ron", "slk", "slv", "swe"}


def codelist_labels(code: str) -> dict[str, str]:
    """{language: label} of one code in the official eForms codelist file."""
    tree = etree.parse(str(EFORMS / CODELISTS[code]))
    for row in tree.iterfind(".//{*}Row"):
        cells = {v.get("ColumnRef"): v.findtext("{*}SimpleValue") for v in row.iterfind("{*}Value")}
        if cells.get("code") == code:
            return {k[:3]: v for k, v in cells.items() if k.endswith("_label")}
    raise AssertionError(f"{code} not in {CODELISTS[code]}")


def verdict(text: str, title: str = "") -> tuple[str, list[str]]:
    result = classify(Notice("test", "1", title=title, description=text))
    return result.competition, result.competition_evidence


def test_phrase_table_holds_exactly_these_codes():
    assert set(CODELIST_LABELS) == set(CODELISTS)  # not "contest": its winner was competed for


@pytest.mark.parametrize("code", sorted(CODELISTS))
def test_phrase_table_is_the_official_codelist_in_all_24_languages(code):
    assert CODELIST_LABELS[code] == codelist_labels(code)
    assert set(CODELIST_LABELS[code]) == EU_LANGUAGES


@pytest.mark.parametrize("code, lang", [(c, lang) for c in sorted(CODELISTS) for lang in sorted(EU_LANGUAGES)])
def test_every_official_label_decides_sole_source_inside_a_sentence(code, lang):
    label = CODELIST_LABELS[code][lang]
    competition, evidence = verdict(f"Procedure: {label}.\n\nLot 1.")
    assert competition == "sole_source"
    assert sentences(label)[0].split()[-1] in evidence[0]


@pytest.mark.parametrize("text", [
    "Le marché a été attribué selon une procédure négociée sans publication préalable ni mise en concurrence.",
    "Marché négocié sans publicité ni mise en concurrence préalables (article R2122-3 du code de la commande publique).",
    "Attribution directe au titulaire en raison de droits exclusifs.",
    "Le ministère a l'intention d'attribuer un contrat à un fournisseur sélectionné à l'avance.",
    "Un préavis d'adjudication de contrat (PAC) est un avis public indiquant qu'un ministère a l'intention "
    "d'attribuer un contrat à un fournisseur sélectionné à l'avance.",
    "Der Auftrag wurde im Verhandlungsverfahren ohne vorherige Bekanntmachung vergeben.",
    "Ein Wechsel des Auftragnehmers konnte aus wirtschaftlichen sowie technischen Gründen nicht erfolgen.",
    "Adjudicación mediante procedimiento negociado sin publicidad por exclusividad del proveedor.",
    "Affidamento mediante procedura negoziata senza previa pubblicazione di un bando di gara, ai sensi dell'art. 76.",
    "Zamówienie udzielone w trybie z wolnej ręki.",
    "Zmiana wykonawcy nie może zostać dokonana z powodów ekonomicznych i technicznych.",
    "Hirdetmény közzététele nélküli tárgyalásos eljárás.",
    "Onderhandelingsprocedure zonder voorafgaande bekendmaking.",
    "Förhandlat förfarande utan föregående annonsering.",
    "Ajuste direto ao abrigo do artigo 24.º do Código dos Contratos Públicos.",
])
def test_national_wording_decides(text):
    competition, evidence = verdict(text)
    assert competition == "sole_source" and evidence[0] == f'"{text}"'


@pytest.mark.parametrize("text, reason", [
    ("Es handelt sich nicht um ein Verhandlungsverfahren ohne vorherige Bekanntmachung.", "negated"),
    ("Az eljárás nem hirdetmény közzététele nélküli tárgyalásos eljárás.", "negated"),
    ("El contrato no se adjudicará por procedimiento negociado sin publicidad.", "negated"),
    ("Le marché pourra être attribué par une procédure négociée sans publication préalable pour des prestations "
     "similaires.", "hedge or open question"),
    ("La stazione appaltante potrà ricorrere alla procedura negoziata senza previa pubblicazione per servizi "
     "analoghi.", "hedge or open question"),
    ("Where no suitable tenders are received, the authority may award the contract through a negotiated procedure "
     "without prior publication.", "hedge or open question"),
    ("Le marché sera attribué au lauréat du concours par une procédure négociée sans publicité.",
     "award to the winner of a design contest (competed)"),
])
def test_national_traps_are_discounted(text, reason):
    result = classify(Notice("test", "1", description=text))
    assert result.competition == "unknown"
    assert explain(result).discounted[0].startswith(f"{reason}: ")


@pytest.mark.parametrize("text", [
    "Procédure négociée avec publication préalable d'un avis de marché.",
    "Verhandlungsverfahren mit Teilnahmewettbewerb.",
    "Procedimiento negociado con publicidad.",
    "Marché passé en procédure adaptée ouverte; avis d'intention de conclure d'un marché dispensé d'obligations "
    "de publicité.",
    "Offenes Verfahren gemäß § 15 VgV.",
])
def test_negotiated_after_publication_and_open_procedures_decide_nothing(text):
    assert verdict(text) == ("unknown", [])


@pytest.mark.parametrize("text", [
    "Die zusätzlichen Leistungen wurden nach § 132 Abs. 2 Satz 1 Nr. 2 GWB beauftragt.",
    "Es wäre unwirtschaftlich, den Auftrag an einen anderen Auftragnehmer zu vergeben.",
    "La présente modification est passée au regard de l'article 139.3° du décret n° 2016-360.",
    "L'avenant porte sur une prolongation de la durée du marché de trois mois.",
    "Jest to pierwsza zmiana umowy dokonana na podstawie art. 144 ust 1 pkt 2 Pzp.",
    "Muudatused on tehtud vastavalt RHS §123 lg 1 punktile 3 ja 4.",
    "En procedure efter forhandling uden offentliggørelse er berettiget på baggrund af artikel 11.1.b) iii) i "
    "bilag I til Finansforordningen.",
    "Det er ikke muligt at iværksætte et nyt udbud vedrørende udførelse af 2 nye opgaver.",
    "Es kann kein anderer Auftragnehmer eingesetzt werden.",
])
def test_modifications_without_competition_in_national_wording(text):
    assert verdict(text)[0] == "sole_source"


def test_greek_contract_modification():
    text = "Υπογράφηκε το συμφωνητικό για την τροποποίηση της σύμβασης με αριθμό 29916/15-07-2021."
    assert verdict(text)[0] == "sole_source"
    assert verdict("Ανοικτή διαδικασία για την προμήθεια οχημάτων.") == ("unknown", [])


@pytest.mark.parametrize("text, expected", [
    ('The U.S. Army Corps of Engineers intends to negotiate on a sole-source basis with Xylem Inc.', 'sole_source'),
    ('This contract action is for supplies for which the Government intends to solicit and negotiate with only one source under the authority of FAR 6.302-1.', 'sole_source'),
    ('DLA Troop Support intends to award a firm-fixed-price contract on a noncompetitive basis to Medline Industries.', 'sole_source'),
    ('Proposed sole-source procurement for Siemens MRI maintenance.', 'sole_source'),
    ('Sole-source procurements will be reviewed by the competition advocate in accordance with agency policy.', 'unknown'),
    ('The Government will not consider sole-source awards for this requirement.', 'unknown'),
    ('No sole-source award is anticipated.', 'unknown'),
    ('The Bureau of Prisons intends to award a sole source contract; interested parties who believe they can meet the requirement may submit a capability statement.', 'sole_source'),
    ("Le Service correctionnel du Canada a l'intention de négocier un contrat avec un fournisseur présélectionné.", 'sole_source'),
    ("Préavis d'adjudication de contrat (PAC)", 'sole_source'),
    ("Appel d'offres ouvert à tous les fournisseurs intéressés.", 'unknown'),
    ('Auftragsvergabe im Verhandlungsverfahren ohne Teilnahmewettbewerb gemäß § 14 Abs. 4 Nr. 2 VgV.', 'sole_source'),
    ('Offenes Verfahren; eine Direktvergabe ist nicht vorgesehen.', 'unknown'),
    ('Das Verhandlungsverfahren ohne Teilnahmewettbewerb kann gegebenenfalls für Wiederholungsleistungen angewandt werden.', 'unknown'),
    ("Procedura negoziata senza pubblicazione del bando ai sensi dell'art. 63, comma 2, lett. b) del d.lgs. 50/2016.", 'sole_source'),
    ('Non si tratta di un affidamento diretto.', 'unknown'),
    ('Contrato adjudicado por procedimiento negociado sin publicidad, al existir un único empresario capacitado.', 'sole_source'),
    ('Zamówienie z wolnej ręki na podstawie art. 214 ust. 1 pkt 1 ustawy Pzp.', 'sole_source'),
    ('Przetarg nieograniczony.', 'unknown'),
    ('Hirdetmény nélküli tárgyalásos eljárás a Kbt. 98. § (2) bekezdés c) pontja alapján.', 'sole_source'),
])
def test_intent_wording_and_negation_after_the_cue_in_several_languages(text, expected):
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("Toute modification du marché fera l'objet d'un avenant.", 'unknown'),
    ("L'avenant n° 2 porte sur une prolongation de trois mois.", 'sole_source'),
    ('La modificación del contrato se regirá por lo dispuesto en el artículo 203 de la LCSP.', 'unknown'),
    ('Por Resolución de fecha 1.9.2017 se aprobó la modificación número 1 del presente contrato de obras.', 'sole_source'),
    ('The contract will be awarded to HUBZone small business concerns only.', 'unknown'),
    ('Contracts will be awarded to small businesses that submit acceptable offers.', 'unknown'),
    ('This contract will be awarded to whichever offeror provides best value.', 'unknown'),
    ('This procurement will be awarded to General Dynamics Canada.', 'sole_source'),
    ('The requirement will be awarded to an offeror in the SDVOSB pool.', 'unknown'),
    ('The order will be awarded to bidders listed on the schedule.', 'unknown'),
])
def test_contract_amendment_boilerplate_and_awards_to_classes_of_offerors(text, expected):
    """A clause saying how a future amendment is made, or an award to a class of firms, is not a sole source."""
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text", [
    "Przedmiotowe zamówienie zostało udzielone w procedurze negocjacyjnej bez uprzedniej publikacji.",
    "Acquisition de générateurs de dialyse — marché complémentaire.",
    "Die Lizenzen können nur von einem Unternehmen erbracht werden, das die Verantwortung für das Basissystem hat.",
    "Des Weiteren wäre bei einer Ausschreibung nicht mit weiteren Bietern zu rechnen.",
])
def test_more_national_wording(text):
    assert verdict(text)[0] == "sole_source"


def test_a_foreseen_review_clause_is_not_a_modification_made():
    text = "На осн. чл. 116, ал. 1, т. 1 от ЗОП възложителят предвиждат възнаграждението да се увеличи с до 5 %."
    result = classify(Notice("test", "1", description=text))
    assert result.competition == "unknown"
    assert explain(result).discounted[0].startswith("hedge or open question: ")


@pytest.mark.parametrize("text, expected", [
    ('The contracting authority intends to award a public contract directly in accordance with section 41 of the Procurement Act 2023.', 'sole_source'),
    ('Direct award justification: Schedule 5, paragraph 5 (goods or services only supplied by a particular supplier for technical reasons).', 'sole_source'),
    ('This transparency notice is published to confirm the intention to award a contract under a direct award justification.', 'sole_source'),
    ('This tender notice invites tenders under the competitive flexible procedure (section 20 of the Procurement Act 2023).', 'unknown'),
    ('Public Services and Procurement Canada intends to negotiate a sole source contract with Esri Canada Ltd.', 'sole_source'),
    ("Le présent préavis vise à informer les fournisseurs que le Canada a l'intention d'attribuer un contrat à Esri Canada.", 'sole_source'),
    ("Il s'agit d'un appel d'offres concurrentiel ouvert à tous les fournisseurs.", 'unknown'),
    ('The following exception to the Government Contracts Regulations is invoked for this procurement under subsection 6(d) - only one person is capable of performing the work.', 'sole_source'),
    ('Limited tendering reasons: Article 13.1 (b) of the Canadian Free Trade Agreement - only one supplier.', 'sole_source'),
    ('Bids will be evaluated in accordance with the evaluation criteria; the contract will be awarded to the highest-ranked responsive bidder.', 'unknown'),
    ('ESDC intends to award a contract to Deloitte Inc. under a non-competitive process.', 'sole_source'),
])
def test_uk_procurement_act_and_canadian_wording(text, expected):
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ('The Contractor shall grant the Authority exclusive rights to all deliverables produced under the contract.', 'unknown'),
    ('All intellectual property and exclusive licence rights in the software shall vest in the Buyer.', 'unknown'),
    ("Le titulaire cède à l'acheteur les droits exclusifs d'exploitation des résultats.", 'unknown'),
    ('El adjudicatario cederá los derechos exclusivos de explotación de los trabajos.', 'unknown'),
    ("L'appaltatore cede alla stazione appaltante i diritti esclusivi di utilizzo.", 'unknown'),
    ('The supplier must be the exclusive distributor or an authorised reseller of the brand; tenders are invited from all.', 'unknown'),
    ('The contract can only be provided by Acme Ltd because it holds the exclusive rights to the software.', 'sole_source'),
    ('Exclusive rights: the publisher holds the copyright in the journals.', 'sole_source'),
    ('Bidders may propose a single source of supply for each lot.', 'unknown'),
    ('Die Vergabe erfolgt im offenen Verfahren; Nebenangebote sind nicht zugelassen.', 'unknown'),
])
def test_exclusive_rights_given_to_the_buyer_are_an_ip_clause(text, expected):
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("O ajuste direto não é um procedimento pré-contratual cuja formação deva ser publicada no JOUE.", "sole_source"),
    ("A direct award is not a procedure that must be advertised in the Find a Tender service.", "sole_source"),
    ("Le contrat n'est pas une attribution directe.", "unknown"),
    ("A direct award is not permitted under this framework.", "unknown"),
])
def test_a_negation_of_the_procedure_s_properties_is_not_a_negation_of_the_cue(text, expected):
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text", [
    'Le pouvoir adjudicateur se réserve la possibilité de recourir à une procédure négociée sans publicité ni mise en concurrence préalables pour des prestations similaires.',
    'Der Auftraggeber behält sich vor, Wiederholungsleistungen im Verhandlungsverfahren ohne Teilnahmewettbewerb zu vergeben.',
    'El órgano de contratación podrá adjudicar mediante procedimiento negociado sin publicidad los servicios complementarios.',
    'La stazione appaltante si riserva la facoltà di ricorrere alla procedura negoziata senza previa pubblicazione per servizi analoghi.',
    'Zamawiający przewiduje udzielenie zamówień z wolnej ręki, o których mowa w art. 214 ust. 1 pkt 7.',
    'Ordregiveren forbeholder sig ret til at anvende udbud med forhandling uden forudgående offentliggørelse.',
    'De aanbestedende dienst behoudt zich het recht voor om een onderhandelingsprocedure zonder voorafgaande bekendmaking te gebruiken.',
    'Upphandlande myndighet förbehåller sig rätten att använda förhandlat förfarande utan föregående annonsering.',
    'Le marché prévoit la possibilité de marchés complémentaires attribués au titulaire.',
    'Il contratto prevede la possibilità di affidamento diretto di servizi analoghi.',
    "Procedura aperta ai sensi dell'art. 60 del d.lgs. 50/2016.",
    'Verfahrensart: Offenes Verfahren. Die Vergabeunterlagen stehen für einen uneingeschränkten und vollständigen direkten Zugang gebührenfrei zur Verfügung.',
    'Der Zuschlag wird auf das wirtschaftlichste Angebot erteilt; Nebenangebote sind zugelassen.',
])
def test_reserved_options_and_open_procedures_in_national_wording_decide_nothing(text):
    assert verdict(text)[0] == "unknown"


@pytest.mark.parametrize("text, expected", [
    ("Contractul a fost atribuit prin procedura de negociere fără publicare prealabilă.", "sole_source"),
    ("Līgums noslēgts sarunu procedūrā, iepriekš nepublicējot paziņojumu par līgumu.", "sole_source"),
    ("Pirkimas vykdomas derybų būdu be išankstinio skelbimo.", "sole_source"),
    ("Naročilo je bilo oddano po postopku s pogajanji brez predhodne objave.", "sole_source"),
    ("Ugovor je sklopljen u pregovaračkom postupku bez prethodne objave.", "sole_source"),
    ("Hankinta tehtiin neuvottelumenettelyllä ilman ennakkoilmoitusta.", "sole_source"),
    ("Il-kuntratt ingħata permezz ta' proċedura nnegozjata mingħajr pubblikazzjoni minn qabel.", "sole_source"),
    ("Поръчката е възложена чрез пряко договаряне.", "sole_source"),
    ("Поръчката не е възложена чрез пряко договаряне.", "unknown"),
    ("Ugovor nije sklopljen bez prethodne objave.", "unknown"),
    ("Η σύμβαση δεν ανατέθηκε με διαδικασία με διαπραγμάτευση χωρίς προηγούμενη δημοσίευση.", "unknown"),
])
def test_without_prior_publication_in_the_other_official_languages(text, expected):
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("Seoses muudatustega tööde mahtudes pikenes ka lepingu täitmise tähtaeg.", "sole_source"),
    ("The contract term was extended by six months to avoid a gap in service.", "sole_source"),
    ("The contract period may be extended by two option years.", "unknown"),
])
def test_term_extensions_of_a_running_contract(text, expected):
    assert verdict(text)[0] == expected


@pytest.mark.parametrize("text", [
    # Directive 2014/24 Art. 32(2)(b) as TED's Annex D1 and the national acts word it
    "I lavori, le forniture o i servizi possono essere forniti unicamente da un determinato operatore economico "
    "per la seguente ragione: la concorrenza è assente per motivi tecnici.",
    "Tutela di diritti esclusivi, inclusi i diritti di proprietà intellettuale.",
    "Les travaux, fournitures ou services ne peuvent être fournis que par un opérateur économique déterminé pour "
    "la raison suivante: protection de droits d'exclusivité.",
    "Die Dienstleistungen können nur von einem bestimmten Wirtschaftsteilnehmer erbracht werden: nicht vorhandener "
    "Wettbewerb aus technischen Gründen.",
    "Los suministros solo pueden ser proporcionados por un operador económico concreto: ausencia de competencia por "
    "razones técnicas.",
    "Os serviços só podem ser fornecidos por um determinado operador económico.",
    "De diensten kunnen slechts door een bepaalde ondernemer worden verricht.",
    "Usługi mogą być świadczone tylko przez określonego wykonawcę: brak konkurencji z przyczyn technicznych.",
    # Art. 76(2)(b)(2) d.lgs. 36/2023 without its subject "la concorrenza" (the gate once required that word)
    "Il servizio è affidato alla ditta X in quanto assente per motivi tecnici ogni alternativa di mercato.",
    "The services can be supplied only by a particular economic operator because competition is absent for "
    "technical reasons.",
    # TED's own label of procedure code T, and the codes written as they are in the XML or JSON
    "Negotiated without a prior call for competition",
    "Procedure type: neg-wo-call",
    "PT_AWARD_CONTRACT_WITHOUT_CALL: D_PROTECT_RIGHTS",
    "D_PROTECT_RIGHTS",
    "direct-award-justification: exclusive",
    # the supplier holds the manufacturer's licences
    "Ditta responsabile di sistema e del controllo di configurazione, in possesso delle licenze della casa madre.",
    "La società è l'unica licenziataria del costruttore per la manutenzione dei motori.",
    "Le titulaire est détenteur des licences du constructeur.",
    "Die Firma ist Lizenznehmer des Herstellers.",
    "La empresa es licenciataria exclusiva del fabricante.",
    "The contractor holds the OEM licences for the engine overhaul.",
])
def test_one_particular_operator_codes_and_manufacturer_licences_decide(text):
    assert verdict(text)[0] == "sole_source"


@pytest.mark.parametrize("text, reason", [
    ("I concorrenti devono essere in possesso delle licenze della casa madre, a pena di esclusione.",
     "a qualification required of bidders"),
    ("Bidders must be the licensee of the OEM.", "a qualification required of bidders"),
    ("Les soumissionnaires doivent être titulaires des licences du constructeur.", "a qualification required of bidders"),
    ("The contractor is not the licensee of the OEM.", "negated"),
    ("The procedure is not neg-wo-call.", "negated"),
    ("La concorrenza non è assente per motivi tecnici.", "negated"),
    ("Il fornitore cede all'amministrazione la tutela di diritti esclusivi sul software sviluppato.",
     "exclusive rights handed to the buyer"),
])
def test_licences_asked_of_bidders_and_negated_codes_decide_nothing(text, reason):
    notice = classify(Notice("test", "1", description=text))
    assert notice.competition != "sole_source"
    assert any(line.startswith(reason) for line in explain(notice).discounted)


@pytest.mark.parametrize("text", [
    "La présente consultation est une procédure négociée avec mise en concurrence préalable en application de "
    "l'article 74 du décret nº 2016-360.",
    "Negotiated with prior call for competition (neg-w-call).",
    "Le marché est attribué au lauréat du concours, qui pourra être le seul opérateur économique déterminé.",
    "See Section D Technical Requirements and Attachment D Artistic Renderings.",
    "La stazione appaltante potrà ricorrere alla procedura negoziata qualora i servizi possano essere forniti "
    "unicamente da un determinato operatore economico.",
])
def test_after_publication_future_options_and_design_contests_with_the_new_wording(text):
    assert verdict(text)[0] != "sole_source"


@pytest.mark.parametrize("text, reason", [
    ("In case of unavailability, the contracting authority reserves the right to extend that time limit and publish "
     "the extension at the internet address indicated in section I.3) without prior publication of a corrigendum.",
     "about publishing a corrigendum"),
    ("Le pouvoir adjudicateur publiera la prolongation sans publication préalable d'un rectificatif.",
     "about publishing a corrigendum"),
    ("I tilfælde af forstyrrelser forbeholder den ordregivende myndighed sig retten til at forlænge fristen og "
     "offentliggøre udvidelsen uden forudgående offentliggørelse af en berigtigelse.", "about publishing a corrigendum"),
    ("Návrh na uložení zákazu plnění smlouvy doručí navrhovatel ÚOHS do 1 měsíce ode dne, kdy Zadavatel uveřejnil "
     "oznámení s uvedením důvodu pro zadání veřejné zakázky bez uveřejnění oznámení o zahájení zadávacího řízení.",
     "about review procedures"),
    ("An application for a declaration of ineffectiveness lies where a contract was awarded without prior "
     "publication of a contract notice.", "about review procedures"),
])
def test_corrigenda_and_review_procedure_boilerplate_are_not_this_award(text, reason):
    notice = classify(Notice("test", "1", description=text))
    assert notice.competition != "sole_source"
    assert any(line.startswith(reason) for line in explain(notice).discounted), explain(notice).discounted


def test_a_reservation_with_its_subject_between_verb_and_reflexive():
    text = "Der Auftraggeber behält der Vergabestelle sich vor, den Auftrag im Verhandlungsverfahren ohne vorherige Bekanntmachung zu vergeben."
    assert verdict(text)[0] != "sole_source"


@pytest.mark.parametrize("text, expected", [
    ("Un marché négocié sans publicité préalable et sans mise en concurrence ayant pour objet des prestations "
     "similaires pourra être proposé au titulaire avant l'issue du présent marché public.", None),
    ("Una procedura negoziata senza previa pubblicazione per servizi analoghi potrà essere affidata all'aggiudicatario.",
     None),
    ("Un procedimiento negociado sin publicidad para servicios similares podrá ser adjudicado al contratista.", None),
    ("Ein Verhandlungsverfahren ohne vorherige Bekanntmachung für gleichartige Leistungen kann dem Auftragnehmer "
     "später vergeben werden.", None),
    ("Le marché a été attribué selon une procédure négociée sans publication préalable ni mise en concurrence; "
     "le titulaire pourra être contacté à l'adresse indiquée.", "sole_source"),
])
def test_a_future_option_however_far_its_verb_stands_from_the_cue(text, expected):
    assert (verdict(text)[0] == "sole_source") == (expected == "sole_source")


@pytest.mark.parametrize("text, expected", [
    ("The services can only be provided by ABC Ltd; the absence of competition is not the result of an artificial "
     "narrowing down of the parameters of the procurement.", "sole_source"),
    ("L'absence de concurrence ne résulte pas d'une restriction artificielle des paramètres du marché.", "sole_source"),
    ("Der mangelnde Wettbewerb ist nicht das Ergebnis einer künstlichen Einschränkung der Auftragsvergabeparameter.",
     "sole_source"),
    ("La mancanza di concorrenza non è il risultato di una limitazione artificiale dei parametri dell'appalto.",
     "sole_source"),
    ("Отсъствието на конкуренция не се дължи на изкуствено стесняване на параметрите на поръчката.", "sole_source"),
    ("La procédure de passation est le marché sans publicité ni mise en concurrence suite à un concours restreint.",
     None),
    ("Following a design contest, the contract was awarded without prior publication to the winning architects.", None),
])
def test_the_artificial_narrowing_proviso_decides_and_an_award_after_a_contest_does_not(text, expected):
    assert (verdict(text)[0] == "sole_source") == (expected == "sole_source")


@pytest.mark.parametrize("text", [
    "S-au achizitionat servicii artistice, creatie artistica unica conform art. 104, alin. 1 lit. b) din Legea nr. 98/2016.",
    "Affidamento ai sensi dell'art. 63, comma 2, lett. b), del d.lgs. 50/2016 alla ditta titolare dei diritti.",
    "Adjudicación conforme al artículo 168 a) 2º de la LCSP.",
    "Vergabe nach § 14 Abs. 4 Nr. 2 VgV an den Hersteller.",
    "Zamówienie udzielone na podstawie art. 214 ust. 1 pkt 1 ustawy Pzp.",
    "Beszerzés a Kbt. 98. § (2) bekezdés c) pontja alapján.",
])
def test_the_national_articles_of_the_negotiated_procedure_without_publication(text):
    assert verdict(text)[0] == "sole_source"


def test_a_national_article_in_a_future_option_is_still_an_option():
    text = "La stazione appaltante potrà ricorrere alla procedura di cui all'art. 63, comma 5, del d.lgs. 50/2016."
    assert verdict(text)[0] != "sole_source"


@pytest.mark.parametrize("text", [
    "Rakennuttajakonsultin vaihtaminen aiheuttaisi kustannusten merkittävää päällekkäisyyttä.",
    "Die Leistungen sind nur mit erheblichen Schwierigkeiten oder beträchtlichen Zusatzkosten zu trennen.",
    "Il ricorso a un nuovo operatore comporterebbe notevoli disguidi o una consistente duplicazione dei costi.",
    "Un cambio de contratista generaría inconvenientes significativos o un aumento sustancial de costes.",
])
def test_art_72_inconvenience_or_duplication_of_costs_in_national_wording(text):
    assert verdict(text)[0] == "sole_source"
