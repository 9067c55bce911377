"""Sole-source cues in every official EU language and Canadian French. Pure tables.

Base phrases are the official eForms labels (SDK codelists, CC BY 4.0; copies in
tests/fixtures/classify/eforms/, checked by tests/test_classify_languages.py): the procedure type
`neg-wo-call` and the direct-award justifications `exclusive`, `technical` and `artistic`, each in
the 24 languages. NATIONAL adds the wording national notices really use. Patterns are matched on
accent-folded, case-folded text (statements.fold), so they may be written with accents.
"""

from __future__ import annotations

CODELIST_LABELS = {
    "neg-wo-call": {
        "bul": "Договаряне без предварително обявление",
        "ces": "Jednací řízení bez uveřejnění",
        "dan": "Udbud med forhandling uden forudgående offentliggørelse",
        "deu": "Verhandlungsverfahren ohne Aufruf zum Wettbewerb",
        "ell": "Με διαπραγμάτευση χωρίς προηγούμενη δημοσίευση προκήρυξης διαγωνισμού",
        "eng": "Negotiated without prior call for competition",
        "spa": "Negociado sin convocatoria de licitación previa",
        "est": "Väljakuulutamiseta läbirääkimistega hankemenetlus",
        "fin": "Neuvottelumenettely ilman edeltävää tarjouskilpailukutsua",
        "fra": "Négociée sans mise en concurrence préalable",
        "gle": "Idirbheartaíocht lena mbaineann glao roimh ré ar iomaíocht",
        "hrv": "Pregovarački bez prethodnog poziva na nadmetanje",
        "hun": "Felhívás nélküli tárgyalásos eljárás",
        "ita": "Negoziata senza previa indizione di gara",
        "lit": "Derybos be išankstinio skelbimo apie pirkimą",
        "lav": "Sarunu procedūra bez iepirkuma iepriekšējas izsludināšanas",
        "mlt": "Innegozjata mingħajr sejħa minn qabel għall-kompetizzjoni",
        "nld": "Onderhandelingsprocedure zonder voorafgaande oproep tot mededinging",
        "pol": "Negocjacyjna bez uprzedniej publikacji zaproszenia do ubiegania się o zamówienie",
        "por": "Por negociação sem abertura prévia de concurso",
        "ron": "Negociată fără publicarea unei proceduri concurențiale de ofertare",
        "slk": "Rokovacie konanie bez zverejnenia výzvy na súťaž",
        "slv": "S pogajanji, brez predhodnega javnega razpisa",
        "swe": "Förhandlat förfarande utan föregående meddelande om upphandling",
    },
    "artistic": {
        "bul": "Поръчката може да бъде изпълнена само от определен икономически оператор, защото се създава или придобива единствено по рода си произведение на изкуството или творческо изпълнение",
        "ces": "Zakázku může plnit jen konkrétní hospodářský subjekt, protože cílem je vytvoření nebo získání jedinečného uměleckého díla nebo uměleckého výkonu",
        "dan": "Kontrakten kan kun tildeles af en bestemt økonomisk aktør på grund af skabelse eller erhvervelse af et unikt kunstværk eller en unik kunstnerisk optræden",
        "deu": "Der Auftrag kann nur von einem bestimmten Wirtschaftsteilnehmer ausgeführt werden, weil er die Erschaffung oder den Erwerb eines einzigartigen Kunstwerks oder einer einzigartigen künstlerischen Leistung zum Ziel hat",
        "ell": "Η σύμβαση μπορεί να ανατεθεί μόνο σε συγκεκριμένο οικονομικό φορέα επειδή αφορά τη δημιουργία ή την απόκτηση ενός μοναδικού έργου τέχνης ή μιας καλλιτεχνικής παράστασης",
        "eng": "The contract can be provided only by a particular economic operator because of creation or acquisition of a unique work of art or artistic performance",
        "spa": "El contrato solo puede ser ejecutado por un operador económico particular debido a la creación o adquisición de una obra de arte o actuación artística única",
        "est": "Lepingu saab sõlmida ainult ühe konkreetse ettevõtjaga, sest eesmärk on unikaalse kunstiteose või kunstilise esituse loomine või omandamine",
        "fin": "Sopimus on tehtävä tietyn talouden toimijan kanssa, koska kyseessä on ainutkertaisen taideteoksen tai taiteellisen esityksen luominen tai hankkiminen",
        "fra": "Le marché ne peut être exécuté que par un opérateur économique particulier en raison de la création ou de l’acquisition d’une œuvre d’art ou d’une performance artistique unique",
        "gle": "Ní féidir ach le hoibreoir eacnamaíoch áirithe an conradh a chur ar fáil toisc gur gá saothar uathúil ealaíne nó taibhléiriú ealaíonta a chruthú nó a fháil",
        "hrv": "Ugovor može pružiti samo određeni gospodarski subjekt jer je riječ o ostvarenju jedinstvene umjetničke izvedbe ili stjecanju jedinstvenog umjetničkog djela",
        "hun": "A szerződést csak bizonyos gazdasági szereplő teljesítheti, mivel egyedi műalkotás vagy művészeti előadás létrehozásáról vagy megszerzéséről van szó",
        "ita": "L'appalto può essere eseguito solo da un particolare operatore economico in quanto consiste nella creazione o nell'acquisizione di un'opera d'arte o rappresentazione artistica unica",
        "lit": "Sutartį vykdyti gali tik konkretus ekonominės veiklos vykdytojas, nes sukuriamas arba įsigyjamas unikalus meno kūrinis ar meninis pasirodymas",
        "lav": "Līgumu var izpildīt tikai konkrēts ekonomikas dalībnieks, jo tiek radīts vai iegādāts unikāls mākslas darbs vai mākslinieciskais izpildījums",
        "mlt": "Il-kuntratt jista’ jiġi pprovdut biss minn operatur ekonomiku partikolari minħabba il-ħolqien jew l-akkwiżizzjoni ta’ opra tal-arti unika jew ta’ spettaklu artistiku uniku",
        "nld": "De opdracht kan alleen door een bepaalde ondernemer worden uitgevoerd omdat hij het vervaardigen of verwerven van een uniek kunstwerk of het leveren van een artistieke prestatie behelst",
        "pol": "Zamówienie może zostać zrealizowane wyłącznie przez określonego wykonawcę, ponieważ celem jest stworzenie lub nabycie niepowtarzalnego dzieła sztuki lub wykonania artystycznego",
        "por": "O contrato só pode ser executado por um determinado operador económico em virtude da criação ou aquisição de uma obra de arte única ou de um espetáculo artístico único",
        "ron": "Contractul poate fi furnizat numai de un anumit operator economic, din cauza creării sau a achiziționării unei opere de artă unice sau a unei reprezentații artistice unice",
        "slk": "Zákazku môže plniť len konkrétny hospodársky subjekt, pretože cieľom je vytvorenie alebo nadobudnutie jedinečného umeleckého diela alebo umeleckého výkonu",
        "slv": "Naročilo lahko izvede samo določen gospodarski subjekt, ker gre za ustvaritev ali pridobitev unikatne umetnine ali umetniško uprizoritev",
        "swe": "Kontraktet kan endast tillhandahållas av en viss leverantör på grund av skapande eller förvärv av ett unikt konstverk eller en unik konstnärlig prestation",
    },
    "exclusive": {
        "bul": "Поръчката може да бъде изпълнена само от определен икономически оператор заради изключителни права, в т.ч. права върху интелектуална собственост",
        "ces": "Zakázku může z důvodu výhradních práv včetně práv duševního vlastnictví plnit jen konkrétní hospodářský subjekt",
        "dan": "Kontrakten kan kun tildeles af en bestemt økonomisk aktør på grund af eksklusive rettigheder, herunder intellektuelle ejendomsrettigheder",
        "deu": "Der Auftrag kann aufgrund von Ausschließlichkeitsrechten, darunter von Rechten des geistigen Eigentums, nur von einem bestimmten Wirtschaftsteilnehmer ausgeführt werden",
        "ell": "Η σύμβαση μπορεί να ανατεθεί μόνο σε συγκεκριμένο οικονομικό φορέα λόγω αποκλειστικών δικαιωμάτων, συμπεριλαμβανομένων δικαιωμάτων διανοητικής ιδιοκτησίας",
        "eng": "The contract can be provided only by a particular economic operator because of exclusive rights, including intellectual property rights",
        "spa": "El contrato solo puede ser ejecutado por un operador económico particular debido a derechos exclusivos, como los derechos de propiedad intelectual e industrial",
        "est": "Lepingu saab sõlmida ainult ühe konkreetse ettevõtjaga ainuõiguste, sealhulgas intellektuaalomandi õiguste tõttu",
        "fin": "Teollis- ja tekijänoikeudet kattavien yksinoikeuksien vuoksi sopimus on tehtävä tietyn talouden toimijan kanssa",
        "fra": "Le marché ne peut être exécuté que par un opérateur économique particulier en raison de la protection de droits exclusifs, notamment de droits de propriété intellectuelle",
        "gle": "Ní féidir ach le hoibreoir eacnamaíoch áirithe an conradh a chur ar fáil de thoradh cearta eisiacha, lena n-áirítear cearta maoine intleachtúla",
        "hrv": "Ugovor može pružiti samo određeni gospodarski subjekt jer je riječ o isključivim pravima, uključujući prava intelektualnog vlasništva",
        "hun": "A szerződést csak bizonyos gazdasági szereplő teljesítheti a kizárólagos jogok miatt, beleértve a szellemitulajdon-jogokat",
        "ita": "L'appalto può essere eseguito solo da un particolare operatore economico per motivi di tutela di diritti esclusivi, inclusi i diritti di proprietà intellettuale",
        "lit": "Sutartį vykdyti gali tik konkretus ekonominės veiklos vykdytojas dėl išimtinių teisių, įskaitant intelektinės nuosavybės teises",
        "lav": "Līgumu var izpildīt tikai konkrēts ekonomikas dalībnieks ekskluzīvu tiesību, arī intelektuālā īpašuma tiesību, dēļ",
        "mlt": "Il-kuntratt jista’ jiġi pprovdut biss minn operatur ekonomiku partikolari minħabba d-drittijiet esklużivi, inkluż id-drittijiet tal-proprjetà intellettwali",
        "nld": "De opdracht kan alleen door een bepaalde ondernemer worden uitgevoerd wegens uitsluitende rechten, met inbegrip van intellectuele-eigendomsrechten",
        "pol": "Zamówienie może zostać zrealizowane wyłącznie przez określonego wykonawcę z powodu praw wyłącznych, w tym praw własności intelektualnej",
        "por": "O contrato só pode ser executado por um determinado operador económico em virtude de direitos exclusivos, incluindo direitos de propriedade intelectual",
        "ron": "Contractul poate fi furnizat numai de un anumit operator economic, din cauza unor drepturi exclusive, inclusiv a unor drepturi de proprietate individuală",
        "slk": "Zákazku môže z dôvodu výlučných práv vrátane práv duševného vlastníctva plniť len konkrétny hospodársky subjekt",
        "slv": "Naročilo lahko izvede samo določen gospodarski subjekt zaradi izključnih pravic, vključno s pravicami intelektualne lastnine",
        "swe": "Kontraktet kan endast tillhandahållas av en leverantör på grund av ensamrätt, inklusive immateriella rättigheter",
    },
    "technical": {
        "bul": "Поръчката може да бъде изпълнена само от определен икономически оператор поради липсата на конкуренция, дължаща се на технически причини",
        "ces": "Zakázku může plnit jen konkrétní hospodářský subjekt, protože hospodářská soutěž z technických důvodů neexistuje",
        "dan": "Kontrakten kan kun tildeles af en bestemt økonomisk aktør på grund af manglende konkurrence af tekniske årsager",
        "deu": "Der Auftrag kann nur von einem bestimmten Wirtschaftsteilnehmer ausgeführt werden, da aus technischen Gründen kein Wettbewerb vorhanden ist",
        "ell": "Η σύμβαση μπορεί να ανατεθεί μόνο σε συγκεκριμένο οικονομικό φορέα λόγω απουσίας ανταγωνισμού για τεχνικούς λόγους",
        "eng": "The contract can be provided only by a particular economic operator because of an absence of competition for technical reasons",
        "spa": "El contrato solo puede ser ejecutado por un operador económico particular debido a la ausencia de competencia por razones técnicas",
        "est": "Lepingu saab sõlmida ainult ühe konkreetse ettevõtjaga, kuna tehnilistel põhjustel konkurents puudub",
        "fin": "Sopimus on tehtävä tietyn talouden toimijan kanssa, koska sillä ei ole kilpailijoita teknisistä syistä",
        "fra": "Le marché ne peut être exécuté que par un opérateur économique particulier en raison d’une absence de concurrence pour des raisons techniques",
        "gle": "Ní féidir ach le hoibreoir eacnamaíoch áirithe an conradh a chur ar fáil de thoradh easnamh iomaíochais ar chúiseanna teicniúla",
        "hrv": "Ugovor može pružiti samo određeni gospodarski subjekt zato što iz tehničkih razloga nije moguće provesti natječaj",
        "hun": "A szerződést csak bizonyos gazdasági szereplő végezheti el, mivel műszaki okok miatt nincs verseny",
        "ita": "L'appalto può essere eseguito solo da un particolare operatore economico a causa dell'assenza di concorrenza per motivi tecnici",
        "lit": "Sutartį vykdyti gali tik konkretus ekonominės veiklos vykdytojas, nes konkurencijos nėra dėl techninių priežasčių",
        "lav": "Līgumu var izpildīt tikai konkrēts ekonomikas dalībnieks, jo nav konkurences tehnisku iemeslu dēļ",
        "mlt": "Il-kuntratt jista’ jiġi pprovdut biss minn operatur ekonomiku partikolari minħabba nuqqas ta’ kompetizzjoni għal raġunijiet tekniċi",
        "nld": "De opdracht kan alleen door een bepaalde ondernemer worden uitgevoerd wegens het ontbreken van mededinging om technische redenen",
        "pol": "Zamówienie może zostać zrealizowane wyłącznie przez określonego wykonawcę z powodu braku konkurencji ze względów technicznych",
        "por": "O contrato só pode ser executado por um determinado operador económico devido à ausência de concorrência por razões técnicas",
        "ron": "Contractul poate fi furnizat numai de un anumit operator economic, din cauza absenței concurenței din motive tehnice",
        "slk": "Zákazku môže plniť len konkrétny hospodársky subjekt, pretože hospodárska súťaž z technických príčin neexistuje",
        "slv": "Naročilo lahko izvede samo določen gospodarski subjekt, ker ne obstaja konkurenca iz tehničnih razlogov",
        "swe": "Kontraktet kan endast tillhandahållas av en viss leverantör på grund av bristande konkurrens av tekniska skäl",
    },
}

# Wording national notices use, beside the official labels: (pattern, label).
NATIONAL = [
    # French (France, Belgium, Luxembourg) and Canadian French (PAC = préavis d'adjudication de contrat)
    (r"proc[ée]dure\s+n[ée]goci[ée]e\s+sans\s+(?:publicit[ée]|publication|mise\s+en\s+concurrence)"
     r"|march[ée]\s+n[ée]goci[ée]\s+sans\s+(?:publicit[ée]|publication|mise\s+en\s+concurrence)"
     r"|sans\s+publicit[ée]\s+(?:ni|et\s+sans)\s+mise\s+en\s+concurrence|sans\s+publication\s+pr[ée]alable",
     "négocié sans publication préalable"),
    (r"attribution\s+directe|attribu[ée]\s+directement|gr[ée]\s+[àa]\s+gr[ée]", "attribution directe"),
    (r"a\s+l['’]intention\s+d['’](?:attribuer|adjuger|octroyer|n[ée]gocier|conclure)\s+(?:\w+\s+){0,4}?(?:[àa]|avec)\s+"
     r"(?!(?:un|une|des|les|la|le|l['’])\b)[a-z0-9]", "intended award to a named firm"),
    (r"fournisseur\s+(?:s[ée]lectionn[ée]|identifi[ée]|d[ée]sign[ée])\s+[àa]\s+l['’]avance"
     r"|fournisseur\s+pr[ée]s[ée]lectionn[ée]|pr[ée]avis\s+d['’]adjudication\s+de\s+contrat",
     "PAC: fournisseur sélectionné à l'avance"),
    (r"march[ée]\s+compl[ée]mentaire|compl[ée]mentaire\s+au\s+march[ée]\s+initial|fournisseur\s+unique|source\s+unique|non\s+concurrentiel|droits?\s+exclusifs?"
     r"|absence\s+de\s+concurrence\s+pour\s+des\s+raisons\s+techniques|monopole\s+technique",
     "fournisseur unique"),
    # German
    (r"verhandlungsverfahren\s+ohne\s+(?:vorherige\s+)?(?:bekanntmachung|teilnahmewettbewerb|ver[öo]ffentlichung"
     r"|aufruf\s+zum\s+wettbewerb)|ohne\s+vorherige\s+(?:bekanntmachung|ver[öo]ffentlichung)"
     r"|freih[äa]ndige\s+vergabe|direktvergabe|direktauftrag", "Verhandlungsverfahren ohne Bekanntmachung"),
    (r"(?:kann|k[öo]nnen)\s+nur\s+(?:von|durch)\s+(?:einer?|einem)\s+(?:einzigen\s+)?(?:firma|unternehmen|anbieter"
     r"|hersteller|wirtschaftsteilnehmer)|keine\s+andere[rn]?\s+(?:firma|unternehmen|anbieter)\s+(?:w[äa]re|ist|kann)"
     r"|nicht\s+mit\s+weiteren\s+bietern", "nur ein Unternehmen"),
    (r"ausschlie(?:ß|ss)lichkeitsrecht|alleinstellung|alleinanbieter|einziger\s+anbieter"
     r"|aus\s+technischen\s+gr[üu]nden\s+kein\s+wettbewerb", "Ausschließlichkeitsrechte"),
    # Spanish
    (r"procedimiento\s+negociado\s+sin\s+(?:publicidad|publicaci[óo]n)|adjudicaci[óo]n\s+directa"
     r"|contrataci[óo]n\s+directa|sin\s+publicidad\s+previa", "procedimiento negociado sin publicidad"),
    (r"(?:proveedor|empresario|operador)\s+[úu]nico|derechos?\s+(?:de\s+)?exclusiv|exclusividad",
     "proveedor único"),
    # Italian
    (r"procedura\s+negoziata\s+senza\s+(?:previa\s+)?(?:pubblicazione|indizione)|affidamento\s+diretto"
     r"|affidat[oa]\s+direttamente|senza\s+previa\s+pubblicazione", "procedura negoziata senza previa pubblicazione"),
    (r"operatore\s+economico\s+unico|unico\s+operatore|infungibilit[àa]|privativa\s+industriale"
     r"|diritti\s+esclusivi", "infungibilità / diritti esclusivi"),
    # Modifications during the term without competition (Directive 2014/24 Art. 72; national wording)
    (r"wechsel\s+des\s+auftragnehmers|(?:kann|k[öo]nnen|konnte)\s+kein(?:e|en)?\s+andere[rn]?\s+(?:auftragnehmer"
     r"|anbieter|unternehmen)|kein\s+anderer\s+auftragnehmer|nachtragsauftrag|\bnachtrag\b"
     r"|auftrags[äa]nderung|[äa]nderungsbekanntmachung", "Auftragsänderung (§ 132 GWB)"),
    (r"changement\s+de\s+titulaire|(?:le\s+pr[ée]sent|l['’]|cet)\s*avenant\b|\bavenant\s+n\W{0,2}\s*\d|avis\s+de\s+modification|pr[ée]sente\s+modification"
     r"|modification\s+n[o°º]\W{0,2}\s*\d+\s+(?:du|au)\s+march[ée]", "avenant / modification du marché"),
    (r"cambio\s+de\s+contratista|modificaci[óo]n\s+n[úu]mero\s+\d+\s+del\s+(?:presente\s+)?contrato"
     r"|(?:aprob[óo]|se\s+aprueba|aprobar)\s+la\s+modificaci[óo]n"
     r"|anuncio\s+de\s+modificaci[óo]n", "modificación del contrato"),
    (r"cambio\s+(?:del|di)\s+contraente|avviso\s+di\s+modifica", "modifica del contratto"),
    (r"τροποποίηση[ςσ]?\s+(?:της\s+)?σύμβασης|συμπληρωματική\s+σύμβαση|διαδικασία\s+με\s+διαπραγμάτευση\s+χωρίς"
     r"\s+προηγούμενη\s+δημοσίευση", "τροποποίηση της σύμβασης"),
    (r"zmiana\s+wykonawcy|og[łl]oszenie\s+o\s+zmianie\s+umowy", "zmiana umowy"),
    (r"ikke\s+muligt\s+at\s+iv[æa]rks[æa]tte\s+et\s+nyt\s+udbud|verandering\s+van\s+contractant",
     "modification without competition"),
    # The national articles that transpose Art. 72 (modification of a contract during its term)
    (r"§\s*132\s+(?:abs\.?\s*\d+\s+)?(?:satz\s+\d+\s+)?(?:nr\.?\s*\d+\s+)?gwb|(?:an|durch)\s+einen\s+anderen\s+"
     r"auftragnehmer|\br\.?\s*2194-\d+|\b139\W{0,3}(?:[1-6]\W{0,3})?(?:o|°|º)?\s+du\s+d[ée]cret\s+n\W{0,3}\s*2016-360"
     r"|\bart(?:[íi]culo|\.)?\s*205\s+(?:de\s+la\s+)?(?:lcsp|ley\s+9/2017)"
     r"|\bart\.?\s*(?:106|120)\b[^.]{0,40}(?:50/2016|36/2023)|\bart\.?\s*(?:144|455)\s+(?:ust\.?\s*\d+\s+)?"
     r"(?:pkt\.?\s*\d+\s+)?(?:ustawy\s+)?pzp|\baneks(?:u)?\s+(?:nr\s*\d+\s+)?(?:do\s+umowy|zmienia)"
     r"|чл\.?\s*116\b.{0,30}зоп|допълнително\s+споразумение|\brhs\s*§\s*123|§\s*123\b[^.]{0,20}\brhs\b",
     "modification during the term (national Art. 72)"),
    # Polish, Hungarian, Portuguese, Dutch, Swedish, Danish, Czech/Slovak, Romanian, Finnish
    (r"(?:procedur\w*|tryb\w*)\s+negocjacyjn\w*\s+bez\s+(?:uprzedniej\s+)?publikacji|z\s+wolnej\s+r[ęe]ki|bez\s+(?:uprzedniej\s+)?publikacji\s+og[łl]oszenia|bez\s+og[łl]oszenia",
     "zamówienie z wolnej ręki"),
    (r"hirdetm[ée]ny\s+(?:k[öo]zz[ée]t[ée]tele\s+)?n[ée]lk[üu]li|felh[íi]v[áa]s\s+n[ée]lk[üu]li",
     "hirdetmény közzététele nélküli"),
    (r"ajuste\s+direto|adjudica[çc][ãa]o\s+direta|sem\s+publica[çc][ãa]o\s+pr[ée]via", "ajuste direto"),
    (r"onderhandse\s+gunning|zonder\s+(?:voorafgaande\s+)?(?:bekendmaking|aankondiging)", "onderhandse gunning"),
    (r"direktupphandling|utan\s+f[öo]reg[åa]ende\s+(?:annonsering|meddelande|offentligg[öo]relse)",
     "direktupphandling"),
    (r"uden\s+forudg[åa]ende\s+(?:offentligg[øo]relse|bekendtg[øo]relse)|(?:procedure\s+efter\s+forhandling|udbud\s+med"
     r"\s+forhandling)\s+uden\s+offentligg[øo]relse", "uden forudgående offentliggørelse"),
    # EU Financial Regulation, Annex I point 11.1: negotiated procedure without prior publication
    (r"\b11\.1\W{0,3}\(?[a-k]\)?[^.]{0,40}?\b(?:annex|bilag|anhang|annexe|allegato|anexo|bijlage|za[łl][aą]cznik)\w*"
     r"\s+i\b|\b(?:annex|bilag|anhang|annexe|allegato|anexo|bijlage)\w*\s+i\W{1,3}(?:point\s+|punkt\s+|nr\.?\s+)?"
     r"11\.1\W{0,3}\(?[a-k]\b", "Financial Regulation Annex I 11.1"),
    (r"bez\s+(?:p[řr]edchoz[íi]ho\s+)?uve[řr]ejn[ěe]n[íi]|bez\s+(?:predch[áa]dzaj[úu]ceho\s+)?zverejnenia",
     "bez uveřejnění"),
    (r"f[ăa]r[ăa]\s+publicarea\s+(?:prealabil[ăa]\s+)?a\s+unui\s+anun[țt]", "fără publicare prealabilă"),
    (r"ilman\s+(?:edelt[äa]v[äa][äa]\s+)?(?:hankintailmoitusta|tarjouskilpailua|tarjouskilpailukutsua)",
     "ilman hankintailmoitusta"),
]

# Negation words of the languages above (English ones are in cues.NEGATION).
NEGATION = (r"\b(?:no\s+(?:se|es|ha|han|fue|sera|será|procede|esta|está|e|è|viene|sara|sarà)|nicht|kein|keine|keinen|keiner|ne|pas|non(?![\s-]+concurrentiel)|nie|nem|nao|niet|geen|inte"
            r"|ikke|ei|nu|nessun[oa]?|ninguna?|nunca|jamais|aucune?)\b")
# A negation just after the cue ("eine Direktvergabe ist nicht vorgesehen", "n'est pas prévue").
AFTER_NEGATION = (r"^\W*(?:\w+\W+){0,3}?(?:nicht|pas|non|no|nie|nem|niet|inte|ikke|nao|ei)\b"
                  r"|^\W*(?:\w+\W+){0,2}?(?:kein|keine|ninguna?|nessun[oa]?|aucune?)\b")
# ... unless it denies a property of the procedure, not the procedure ("o ajuste direto não é um procedimento
# cuja formação deva ser publicada", "a direct award is not a procedure that must be advertised").
NOT_A_PROCEDURE_THAT = (r"^\W*(?:\w+\W+){0,3}?(?:not|nicht|pas|non|no|nao|nie)\s+(?:\w+\s+)?(?:a|an|um|uma|une?|ein|eine"
                        r"|una?)\s+(?:\w+\s+)?(?:procedure|procedimento|procedure|procedimiento|verfahren|procedura"
                        r"|postepowanie)\w*\s+(?:[\w-]+\s+){0,2}?(?:that|which|whose|cuja|cujo|que|qui|dont|che|das|der|die|ktore)\b")
# Hedges: a no-competition option only possible in future, a question still open.
HEDGE = (r"\b(?:pourra|pourrait|possibilit[ée]|[ée]ventuel(?:le)?(?:ment)?|se\s+r[ée]serve|kann|k[öo]nnte"
         r"|m[öo]glichkeit|gegebenenfalls|vorbehalten|podr[áa]|podr[íi]a|posibilidad|eventual(?:mente)?"
         r"|se\s+reserva|potr[àa]|potrebbe|possibilit[àa]|si\s+riserva|mo[żz]e|mo[żz]liwo[śs][ćc]|zastrzega"
         r"|lehet|lehet[őo]s[ée]g|fenntartja|poder[áa]|possibilidade|kan|kunnen|zou|kunna|може|могат|възможност"
         r"|предвижда\w*|μπορεί|δύναται)(?!\w)")
# A modal just after the cue: the procedure "kann … angewandt werden", "pourra être utilisée".
AFTER_HEDGE = (r"^\s*(?:\w+\s+){0,4}?(?:kann|k[öo]nnen|k[öo]nnte|pourra|pourrait|peut|podr[áa]|puede|potr[àa]|pu[òo]"
               r"|mo[żz]e|lehet|kan|kunnen|може|могат|предвижда\w*|μπορεί|δύναται)(?!\w)")
# A reservation or a foreseen option, which reaches across commas ("behält sich vor, … zu vergeben").
RESERVATION = (r"\b(?:reserves?\s+the\s+right|se\s+r[ée]serve|beh[äa]lt\s+sich|vorbehalten|se\s+reserva|si\s+riserva"
               r"|zastrzega|forbeholder\s+sig|behoudt\s+zich|f[öo]rbeh[åa]ller\s+sig|[îi][șs]i\s+rezerv[ăa]|fenntartja"
               r"|przewiduje|prevede|pr[ée]voit|provides\s+for\s+the\s+possibility|foresees|option\s+to)")
# Trap: an award to the winner of a published design contest is competed (in the contest).
DESIGN_CONTEST = (r"\b(?:winners?|prize[\s-]?winners?|laur[ée]ats?|gewinner|preistr[äa]ger|ganador(?:es)?"
                  r"|vincitor[ei]|zwyci[ęe]zc[aóy]\w*|nyertes\w*|vencedor(?:es)?|winnaars?)\b.{0,80}"
                  r"\b(?:design\s+contest|concours|wettbewerb|concurso|concorso|konkurs\w*|tervp[áa]ly[áa]zat\w*"
                  r"|prijsvraag|ontwerpwedstrijd)|\b(?:design\s+contest|concours|wettbewerb|concurso|concorso"
                  r"|konkurs\w*|prijsvraag|ontwerpwedstrijd)\b.{0,80}\b(?:winners?|laur[ée]ats?|gewinner"
                  r"|preistr[äa]ger|ganador(?:es)?|vincitor[ei]|zwyci[ęe]zc\w*|nyertes\w*|vencedor(?:es)?|winnaars?)\b")
