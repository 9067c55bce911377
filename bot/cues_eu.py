"""Sole-source cues in every official EU language and Canadian French. Pure tables.

Base phrases are the official eForms labels (bot/eforms_labels.py): the procedure type
`neg-wo-call` and the direct-award justifications that mean one supplier was chosen, each in the 24
languages. NATIONAL adds the wording national notices really use. Patterns are matched on
accent-folded, case-folded text (statements.fold), so they may be written with accents.
"""

from __future__ import annotations

# Wording national notices use, beside the official labels: (pattern, label).
NATIONAL = [
    # French (France, Belgium, Luxembourg) and Canadian French (PAC = préavis d'adjudication de contrat)
    (r"proc[ée]dure\s+n[ée]goci[ée]e\s+sans\s+(?:publicit[ée]|publication|mise\s+en\s+concurrence)"
     r"|march[ée]\s+n[ée]goci[ée]\s+sans\s+(?:publicit[ée]|publication|mise\s+en\s+concurrence)"
     r"|sans\s+publicit[ée]\s+(?:ni|et\s+sans)\s+mise\s+en\s+concurrence|sans\s+publication\s+pr[ée]alable",
     "négocié sans publication préalable"),
    (r"attribution\s+directe|attribu[ée]\s+directement|gre\s+a\s+gre", "attribution directe"),
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
    # Directive 2014/24 Art. 32(2)(b) as the national acts and TED's Annex D1 word it: only one particular
    # operator can perform, competition absent for technical reasons, protection of exclusive rights.
    (r"(?:posson[oa]|pu[òo])\s+essere\s+(?:fornit[ioae]|eseguit[ioae]|prestat[ioae]|realizzat[ioae]|affidat[ioae])\s+"
     r"unicamente\s+da\s+(?:un\s+)?determinat[oa]\s+operatore\s+economico|(?:concorrenza\s+(?:[èe]\s+)?)?assente\s+per"
     r"\s+motivi\s+tecnici|tutela\s+di\s+diritti\s+esclusivi", "Art. 63(2)(b): un determinato operatore economico"),
    (r"ne\s+peu(?:t|vent)\s+[êe]tre\s+(?:fourni|r[ée]alis[ée]|ex[ée]cut[ée]|confi[ée])\w*\s+que\s+par\s+un\s+op[ée]rateur"
     r"\s+[ée]conomique\s+(?:d[ée]termin[ée]|particulier)|droits?\s+d['’]exclusivit[ée]",
     "Art. R2122-3: un opérateur économique déterminé"),
    (r"nur\s+von\s+einem\s+bestimmten\s+(?:wirtschaftsteilnehmer|unternehmen)|nicht\s+vorhandene[rn]?\s+wettbewerb(?:s)?"
     r"\s+aus\s+technischen\s+gr[üu]nden|schutz\s+von\s+ausschlie(?:ß|ss)lichen\s+rechten",
     "§ 14 Abs. 4 Nr. 2 VgV: nur ein bestimmtes Unternehmen"),
    (r"(?:solo|solamente|unicamente)\s+(?:pued(?:e|en|a|an)\s+)?(?:ser\s+)?(?:proporcionad|suministrad|prestad|encomendad)"
     r"\w*\s+(?:por|a)\s+un\s+(?:[úu]nico\s+)?(?:operador|empresario)\s+(?:econ[óo]mico\s+)?(?:concreto|determinado)"
     r"|no\s+exist[ae]\s+competencia\s+por\s+razones\s+t[ée]cnicas|ausencia\s+de\s+competencia\s+por\s+razones\s+t[ée]cnicas",
     "art. 168 LCSP: un empresario determinado"),
    (r"s[óo]\s+(?:possam|podem|pode)\s+ser\s+(?:fornecid|prestad|executad)\w*\s+por\s+um\s+determinado\s+operador"
     r"\s+econ[óo]mico|aus[êe]ncia\s+de\s+concorr[êe]ncia\s+por\s+(?:motivos|raz[õo]es)\s+t[ée]cnic|prote[çc][ãa]o\s+de"
     r"\s+direitos\s+exclusivos", "um determinado operador económico"),
    (r"(?:kunnen\s+)?slechts\s+door\s+(?:[ée][ée]n\s+)?bepaalde\s+ondernemer|ontbreken\s+van\s+mededinging\s+om\s+technische\s+redenen"
     r"|mededinging\s+om\s+technische\s+redenen\s+ontbreekt|bescherming\s+van\s+exclusieve\s+rechten",
     "slechts door een bepaalde ondernemer"),
    (r"(?:wy[łl][ąa]cznie|tylko)\s+przez\s+(?:jednego\s+)?(?:konkretnego\s+|okre[śs]lonego\s+)wykonawc|brak\s+konkurencji\s+"
     r"(?:ze\s+wzgl[ęe]d[óo]w|z\s+przyczyn)\s+technicznych|ochron\w+\s+(?:praw\s+wy[łl][ąa]cznych|wy[łl][ąa]cznych\s+praw)",
     "tylko jeden wykonawca"),
    # The national articles that transpose Art. 32 (the negotiated procedure without prior publication), cited
    # as the ground of this award: RO art. 104 Legea 98/2016, IT art. 63 d.lgs. 50/2016 and art. 76 d.lgs.
    # 36/2023, ES art. 168 LCSP, DE § 14 Abs. 4 VgV, BG чл. 79 ЗОП, PL art. 214 / (old) art. 67 Pzp,
    # CZ § 63 ZZVZ, HU Kbt. 98. §, PT artigo 24.º CCP.
    (r"\bart\.?\s*104\b.{0,60}?\b(?:legea|legii)\s+(?:nr\.?\s*)?98/2016|\bart(?:icolo|\.)?\s*63\b.{0,50}?"
     r"(?:d\.?\s*lgs|decreto\s+legislativo|50/2016)|\bart(?:icolo|\.)?\s*76\b.{0,50}?36/2023"
     r"|\bart[íi]culo\s+168\b.{0,40}?(?:lcsp|9/2017)|§\s*14\s+abs\.?\s*4\b.{0,30}?vgv"
     r"|чл\.?\s*79,?\s+ал\.?\s*1\b.{0,40}?зоп|\bart\.?\s*(?:214|67)\s+ust\.?\s*1\s+pkt\.?\s*\d+.{0,40}?"
     r"(?:pzp|prawo\s+zam[óo]wie[ńn])|§\s*63\b.{0,30}?(?:zzvz|z[áa]kona\s+[čc]\.\s*134/2016)"
     r"|\bkbt\.?\s*98\.?\s*§|\bartigo\s+24\.?\s*[ºo°]?.{0,40}?(?:ccp|c[óo]digo\s+dos\s+contratos\s+p[úu]blicos)",
     "national article of the negotiated procedure without publication"),
    # The directive's own proviso of an Art. 32(2)(b) award, said only in its justification: "the absence of
    # competition is not the result of an artificial narrowing down of the parameters of the procurement".
    (r"artificial\s+narrowing\s+(?:down\s+)?of\s+the\s+parameters|restriction\s+artificielle\s+des\s+param[èe]tres"
     r"|k[üu]nstliche[nr]?\s+einschr[äa]nkung\s+der\s+(?:auftragsvergabe)?parameter|limitazione\s+artificiale\s+dei\s+parametri"
     r"|configuraci[óo]n\s+restrictiva\s+de\s+los\s+requisitos|redu[çc][ãa]o\s+artificial\s+dos\s+par[âa]metros"
     r"|kunstmatige\s+beperking\s+van\s+de\s+(?:parameters|voorwaarden)|(?:celowego|sztucznego)\s+zaw[ęe][żz]enia\s+parametr"
     r"|изкуствено\s+стесняване\s+на\s+параметрите|τεχνητ\w*\s+περιορισμ\w*\s+των\s+παραμέτρων",
     "no artificial narrowing of the parameters (Art. 32(2)(b))"),
    # The supplier holds the manufacturer's licences, or is its exclusive licensee or dealer.
    (r"in\s+possesso\s+(?:esclusivo\s+)?(?:delle|della|dei|di)\s+(?:licenz[ae]|diritti|brevetti)\s+(?:esclusiv[ie]\s+)?"
     r"(?:della\s+casa\s+madre|del\s+costruttore|del\s+produttore|della\s+(?:casa|ditta|societ[àa])\s+costruttrice|dell['’]oem)"
     r"|licenziatari[oa]\s+(?:esclusiv[oa]\s+)?(?:della\s+casa\s+madre|del\s+costruttore|del\s+produttore)"
     r"|unic[oa]\s+licenziatari[oa]|\besclusivista\b|(?:distributore|rivenditore|concessionari[oa])\s+esclusiv[oa]",
     "licenze della casa madre"),
    (r"(?:titulaires?|d[ée]tent\w+)\s+(?:exclusi\w+\s+)?(?:des|de\s+la)\s+licences?\s+(?:exclusives?\s+)?(?:du\s+constructeur"
     r"|du\s+fabricant|de\s+la\s+maison\s+m[èe]re)|licenci[ée]\s+exclusi\w+\s+du\s+(?:constructeur|fabricant)",
     "licences du constructeur"),
    (r"lizenz(?:nehmer|inhaber)\s+des\s+(?:original)?herstellers|(?:verf[üu]gt|verf[üu]gen)\s+[üu]ber\s+die\s+(?:exklusiven?\s+)?"
     r"lizenz(?:en)?\s+des\s+(?:original)?herstellers", "Lizenz des Herstellers"),
    (r"licenciatari[oa]\s+(?:exclusiv[oa]\s+)?del\s+fabricante|(?:titular|posee|en\s+posesi[óo]n)\s+de\s+(?:las?\s+)?"
     r"licencias?\s+(?:exclusivas?\s+)?del\s+fabricante", "licencias del fabricante"),
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
    (r"lepingu\s+(?:t[äa]itmise\s+)?t[äa]htaeg\s+pike\w*|pikenes\s+(?:ka\s+)?lepingu|lepingu\s+muutmi\w*",
     "lepingu muutmine"),
    (r"zmiana\s+wykonawcy|og[łl]oszenie\s+o\s+zmianie\s+umowy", "zmiana umowy"),
    (r"ikke\s+muligt\s+at\s+iv[æa]rks[æa]tte\s+et\s+nyt\s+udbud|verandering\s+van\s+contractant",
     "modification without competition"),
    # Art. 72(1)(b)(ii) in the national wording: a change of contractor would cause significant inconvenience
    # or substantial duplication of costs (English is in bot/cues.py).
    (r"kustannusten\s+(?:merkitt[äa]v[äa][äa]|huomattavaa)\s+p[äa][äa]llekk[äa]isyytt[äa]|merkitt[äa]v[äa][äa]\s+haittaa\s+tai"
     r"\s+kustannusten|erhebliche[nr]?\s+schwierigkeiten\s+oder\s+betr[äa]chtliche[nr]?\s+zusatzkosten|inconv[ée]nient\s+majeur"
     r"\s+ou\s+(?:une\s+|entra[îi]nerait\s+(?:pour\s+(?:lui|elle)\s+)?une\s+)?augmentation\s+substantielle\s+des\s+co[ûu]ts"
     r"|inconvenientes\s+significativos\s+o\s+un\s+aumento\s+sustancial\s+de\s+(?:los\s+)?costes|notevoli\s+disguidi\s+o\s+(?:una\s+)?"
     r"consistente\s+duplicazione\s+dei\s+costi|duplica[çc][ãa]o\s+substancial\s+dos\s+custos|aanzienlijk\s+ongemak\s+of"
     r"|istotn\w+\s+niedogodno[śs]\w*\s+lub\s+znaczn\w+\s+zwi[ęe]kszeni\w*\s+koszt|betydande\s+ol[äa]genhet\w*\s+eller"
     r"|v[æa]sentlige\s+ulemper\s+eller|overlapning\s+af\s+omkostninger",
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
    (r"f[ăa]r[ăa]\s+publicarea\s+(?:prealabil[ăa]\s+)?a\s+unui\s+anun[țt]|negociere\s+f[ăa]r[ăa]\s+publicare(?:a)?\s+"
     r"(?:prealabil[ăa]|unui)", "fără publicare prealabilă"),
    (r"sarunu\s+proced[ūu]r\w*,?\s+iepriek[šs]\s+nepublic[ēe]jot|be\s+i[šs]ankstinio\s+(?:pa)?skelbimo"
     r"|brez\s+predhodne\s+objave|bez\s+prethodne\s+objave|ilman\s+(?:ennakkoilmoitusta|hankintailmoituksen\s+julkaisemista)"
     r"|ming[ħh]ajr\s+pubblikazzjoni\s+minn\s+qabel|пряко\s+договаряне|без\s+предварително\s+обявление",
     "without prior publication (lv, lt, sl, hr, fi, mt, bg)"),
    (r"ilman\s+(?:edelt[äa]v[äa][äa]\s+)?(?:hankintailmoitusta|tarjouskilpailua|tarjouskilpailukutsua)",
     "ilman hankintailmoitusta"),
]

# Negation words of the languages above (English ones are in cues.NEGATION).
NEGATION = (r"\b(?:no\s+(?:se|es|ha|han|fue|sera|será|procede|esta|está|e|è|viene|sara|sarà)|nicht|kein|keine|keinen|keiner|ne|pas|non(?![\s-]+concurrentiel)|nie|nem|nao|niet|geen|inte"
            r"|ikke|ei|nu|nessun[oa]?|ninguna?|nunca|jamais|aucune?|nije|mhux)\b|(?<!\w)(?:не|δεν|μη)(?!\w)")
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
# The cue as the subject of a future passive: "un marché négocié sans publicité … pourra être proposé au
# titulaire" (an option only, however far the verb stands from the cue within its clause).
FUTURE_OPTION = (r"\b(?:pourr(?:a|ait|ont|aient)\s+[êe]tre\s+(?:propos|pass|conclu|attribu|confi|utilis|engag|lanc|mis\s+en)"
                 r"|potr(?:à|a|ebbe|anno|ebbero)\s+essere\s+(?:affidat|aggiudicat|utilizzat|espletat|avviat|propost)"
                 r"|podr(?:á|a|ía|ia|án|an|ían|ian)\s+(?:ser\s+)?(?:adjudicad|utilizad|tramitad|propuest|celebrad|aplicad)"
                 r"|poder(?:á|a|ão|ao)\s+ser\s+(?:adjudicad|utilizad|celebrad|aplicad)"
                 r"|k[öo]nn(?:en|te|ten)?\s+(?:\w+\s+){0,8}?(?:vergeben|beauftragt|angewandt|angewendet|durchgef[üu]hrt)\s+werden)")
# A reservation or a foreseen option, which reaches across commas ("behält sich vor, … zu vergeben"); the
# subject may stand between verb and reflexive ("forbeholder den ordregivende myndighed sig retten").
RESERVATION = (r"\b(?:reserves?\s+the\s+right|se\s+r[ée]serve|beh[äa]lt\s+(?:\w+\s+){0,4}?sich|vorbehalten|se\s+reserva"
               r"|si\s+riserva|zastrzega|forbeholder\s+(?:\w+\s+){0,4}?sig|behoudt\s+(?:\w+\s+){0,4}?zich"
               r"|f[öo]rbeh[åa]ller\s+(?:\w+\s+){0,4}?sig|[îi][șs]i\s+rezerv[ăa]|fenntartja"
               r"|przewiduje|prevede|pr[ée]voit|provides\s+for\s+the\s+possibility|foresees|option\s+to)")
# Trap: an award to the winner of a published design contest is competed (in the contest).
DESIGN_CONTEST = (r"\b(?:suite\s+[àa]|[àa]\s+l['’]issue\s+d['’]|following|after|nach\s+(?:einem|dem)|tras|a\s+seguito\s+d[ie])\s+"
                  r"(?:un\s+|une\s+|a\s+|the\s+|einem\s+|dem\s+|un\s+|del\s+|el\s+)?(?:concours|design\s+contest|"
                  r"planungswettbewerb|wettbewerb|concurso|concorso(?:\s+di\s+progettazione)?)\b|\b(?:winners?|prize[\s-]?winners?|laur[ée]ats?|gewinner|preistr[äa]ger|ganador(?:es)?"
                  r"|vincitor[ei]|zwyci[ęe]zc[aóy]\w*|nyertes\w*|vencedor(?:es)?|winnaars?)\b.{0,80}"
                  r"\b(?:design\s+contest|concours|wettbewerb|concurso|concorso|konkurs\w*|tervp[áa]ly[áa]zat\w*"
                  r"|prijsvraag|ontwerpwedstrijd)|\b(?:design\s+contest|concours|wettbewerb|concurso|concorso"
                  r"|konkurs\w*|prijsvraag|ontwerpwedstrijd)\b.{0,80}\b(?:winners?|laur[ée]ats?|gewinner"
                  r"|preistr[äa]ger|ganador(?:es)?|vincitor[ei]|zwyci[ęe]zc\w*|nyertes\w*|vencedor(?:es)?|winnaars?)\b")
