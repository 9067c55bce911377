"""The English text cues of the competition verdict, and the context that discounts them. Pure tables.

A cue is a phrase that, said of this procurement, means the buyer chose one supplier without
competition. `statements.py` finds cues (these and the other languages' in `cues_eu.py`) one
statement at a time and asks the patterns below whether the statement is negated or is not a
statement about this procurement at all. Patterns run over accent-folded, case-folded text, so
they are written in lower case without accents.
"""

from __future__ import annotations

import re

# Cues that say it outright: (pattern, class). The class names the rule in tests and the README.
STRONG = [
    (r"sole[\s-]*sourc(?:e|ed|es|ing)\b", "sole source"),
    (r"single[\s-]sourc(?:e|ed|ing)\b", "single source"),
    (r"\bsole(?:ly)?\s+negotiat", "sole negotiation"),
    (r"only\s+one\s+(?:responsible\s+|capable\s+|known\s+|qualified\s+)?(?:source|supplier|vendor|firm|company"
     r"|contractor|manufacturer|provider|person)s?\b(?!\s+(?:set|of\s+(?:the\s+)?(?:\w+\s+)?(?:set|award)))",
     "only one source"),
    (r"\b6\.302-[1-7]\b|\b6\.103-[1-7]\b|\b13\.106-1\s*\(b\)|\b13\.501\b|\b8\.405-6\b", "FAR authority"),
    (r"\b16\.505\s*\(b\)\s*\(2\)|\bexception\s+to\s+(?:the\s+)?fair\s+opportunity", "exception to fair opportunity"),
    (r"\bj\s*&\s*a\b|\bjofoc\b|\bjefo\b|\blsj\b|justification\s+(?:and|&)\s+(?:approval|authori[sz]ation)"
     r"|justification\s+(?:to|for)\s+(?:restrict(?:ing)?|limit(?:ing)?)\s+(?:the\s+)?competition"
     r"|restricting\s+competition\s+justification|limited[\s-]sources?\s+justification",
     "justification"),
    (r"other\s+than\s+full\s*(?:and|&)\s*open\s+competition", "other than full and open competition"),
    (r"\bnon[\s-]?competitive(?:ly)?\b|\bnot\s+competed\b|\bwithout\s+(?:any\s+)?competition\b",
     "non-competitive"),
    (r"\bbrand[\s-]name\s+(?:only|justification|specific|basis|procurement|purchase|acquisition|requirement"
     r"|contract|award)\b|\bonly\s+brand\b|\bbrand[\s-]name\s+j(?:&|\s+and\s+)a\b", "brand name justification"),
    (r"\bsole\s+(?:manufacturer|provider|distributor|supplier|vendor|owner|licensor|developer|publisher"
     r"|authori[sz]ed|proprietor\s+of)|\bexclusive\s+(?:distributor|provider|supplier|dealer|reseller|licensee"
     r"|agent|representative|rights?|licen[cs]e)\b", "sole or exclusive supplier"),
    (r"\b(?:only|exclusively|solely)\s+(?:be\s+)?(?:available|obtainable|provided|sold|offered|procured)\s+"
     r"(?:from|through|by|via)\b|\bavailable\s+(?:only|exclusively|solely)\s+(?:from|through|by|via)\b",
     "only available from"),
    (r"pre[\s-]?identified\s+(?:supplier|contractor|vendor|firm)|advance[d]?\s+contract\s+award\s+notice"
     r"|\bacan\b", "ACAN"),
    (r"technical\s+monopoly|captive\s+market|absence\s+of\s+competition\s+for\s+technical\s+reasons"
     r"|\b164\s*\(1\)\s*\(d\)|\b32\s*\(2\)\s*\(b\)|\bregulation\s+32\s*\(2\)|\b(?:regulation|reg\.?)\s+72\b",
     "exclusive rights or technical reasons"),
    (r"negotiated\s+(?:procedure\s+)?without\s+(?:a\s+)?(?:prior\s+)?(?:publication|call\s+for\s+competition"
     r"|(?:prior\s+)?publication\s+of\s+a\s+(?:contract\s+)?notice)|without\s+(?:prior\s+)?publication\s+of\s+a\s+"
     r"(?:call\s+for\s+competition|contract\s+notice)|\bwithout\s+prior\s+publication\b",
     "without prior publication"),
    # The eForms and TED codes themselves, where a text carries them as written in the notice's XML or JSON
    # (BT-105 procedure type, the TED R2 form element and its Annex D1 exclusive-rights reasons, BT-136
    # with its code). Not D_TECHNICAL alone: folded, it reads "d technical", as in "Section D Technical".
    (r"\bneg-wo-call\b|\bpt\s+award\s+contract\s+without\s+call\b|\bpt\s+negotiated\s+without\s+publication\b"
     r"|\bd\s+(?:protect\s+rights|exclusive\s+rights?)\b|direct[\s-]award[\s-]justification(?:\s+code)?"
     r"\W{1,4}(?:exclusive|technical|artistic|urgency|additional|repetition|existing|other-exclusive|sc-right)\b",
     "eForms or TED code"),
    # Directive 2014/24 Art. 32(2)(b), as TED's Annex D1 and the national acts word it.
    (r"\bonly\s+(?:be\s+)?(?:supplied|provided|performed|carried\s+out)\s+by\s+a\s+particular\s+economic\s+operator"
     r"|\bsupplied\s+only\s+by\s+a\s+particular\s+economic\s+operator|\bcompetition\s+is\s+absent\s+for\s+technical\s+reasons",
     "exclusive rights or technical reasons"),
    # The supplier holds the manufacturer's licences (a licensee of the OEM): said of a firm, not asked of bidders.
    (r"\b(?:holds?|holder\s+of|possess(?:es)?)\s+(?:the\s+)?(?:exclusive\s+)?(?:oem['’]?s?|original\s+equipment\s+"
     r"manufacturer['’]?s?|manufacturer['’]?s?)\s+(?:exclusive\s+)?licen[cs]es?\b|\blicen[cs]ee\s+of\s+the\s+(?:oem"
     r"|original\s+equipment\s+manufacturer|manufacturer)\b", "manufacturer's licensee"),
    (r"single\s+tender\s+action|\bdirect\s+award\b|\baward(?:ed|ing|s)?\s+(?:\w+\s+){0,3}?directly\b"
     r"|\bsection\s+4[13]\b[^.]{0,40}procurement\s+act", "direct award"),
    (r"government\s+contracts\s+regulations?\b[^.]{0,80}\b6\s*\(\s*d\s*\)", "GCR 6(d): only one person capable"),
    (r"\bno\s+other\s+(?:contractor|supplier|vendor|source|firm|company|manufacturer)s?\s+(?:can|could|is|are"
     r"|has|have)\b|\bchange\s+of\s+(?:the\s+)?(?:contractor|supplier)\b|significant\s+inconvenience\s+or\s+"
     r"substantial\s+duplication\s+of\s+costs|additional\s+(?:works|services|supplies|deliveries)\s+by\s+the\s+"
     r"original\s+(?:contractor|supplier)|not\s+possible\s+to\s+(?:launch|conduct|run|hold)\s+a\s+new\s+"
     r"(?:tender|procurement|competition)", "modification without competition (Art. 72)"),
    (r"\b(?:purchase|acquire|procure|buy)\s+(?:this|the|these)\s+(?:parts?|items?)\s+from\s+other\s+than\s+the\s+"
     r"(?:current|approved|original|existing)\s+sources?|\bacquisition\s+of\s+(?:this|the)\s+(?:parts?|items?)\s+from"
     r"\s+the\s+(?:approved|current|original)\s+sources?", "limited to the approved source (FAR 6.302-1)"),
    (r"\b(?:will|shall|is\s+to)\s+be\s+awarded\s+(?:directly\s+)?to\s+(?!(?:the|a|an|one|two|three|multiple|several|each"
     r"|all|any|up|more|offerors?|bidders?|contractors?|vendors?|firms?|companies|responsible|qualified|eligible"
     r"|successful|winning|lowest|highest|small|those|this|that|such|whichever|whoever|as|only|no|its|their|hubzone"
     r"|sdvosbs?|wosbs?|edwosbs?|8\(a\)|service|veteran|women|native|alaska|indian|historically|minority|disadvantaged"
     r"|local|foreign|domestic|american|universities|nonprofit|non-profit|participating|approved|registered)\b)[a-z0-9]",
     "intended award to a named firm"),
    (r"\b(?:extend|extending|extension\s+of|extensions\s+of)\s+(?:the\s+)?(?:existing|current|incumbent['’]?s?)\s+"
     r"(?:\w+\s+){0,2}?(?:contracts?|agreements?|orders?)\b|\bthis\s+modification\s+notice\b"
     r"|\bmodification\s+notice\s+(?:is|for)\b|\b(?:contract|agreement)\s+(?:term|period|duration)\s+(?:was|has\s+been"
     r"|is\s+being)\s+extended\b", "extension or modification of the existing contract"),
]
# Cues that decide only in a title: a document type that is a justification by itself.
TITLE_ONLY = [
    (r"\bdetermination\s*(?:and|&)\s*findings?\b|\bd\s*&\s*f\b", "determination and findings"),
]

# The FAR 5.207 wording of a notice of intent: weak alone, decides with an intended award (INTENT_TO).
DISCLAIMER = re.compile(r"not\s+a\s+request\s+for\s+competitive\s+(?:proposals|quotations|quotes|bids|offers)"
                        r"|not\s+(?:a\s+)?(?:solicitation|request)\s+for\s+competitive")
INTENT_TO = re.compile(r"\b(?:intends?|intention|plans?|proposes?)\s+to\s+(?:\w+\s+){0,3}?(?:award|negotiate|purchase"
                       r"|procure|contract|issue|acquire|solicit|place|enter)\b")

# A statement of intent about this procurement (what a sources-sought notice must say to count).
INTENT = re.compile(r"\b(?:intends?|intent|intention|plans?|proposes?|anticipates?|will|shall|is\s+going\s+to"
                    r"|is\s+(?:a|the)\s+(?:notice|intent))\b")

# Words that negate; `no` only when it determines the cue's noun phrase (see statements.negated).
NEGATION = re.compile(r"\b(?:not|never|neither|nor|cannot|nothing|none)\b|n't\b|\bwithout\s+(?:a|any)\b")
NO_DETERMINER = re.compile(r"\bno\b(?!\.)\s+(?:\S+\s+){0,2}$")
AFTER_NEGATION = re.compile(r"^[^.;]{0,60}?\b(?:do|does|did|shall|will|would)\s+not\s+apply\b|^[^.;]{0,60}?\b(?:is|are)\s+not"
                            r"\s+applicable\b|^\W*(?:\w+\W+){0,3}?(?:is|are|was|were|will|would|shall|has|have|had|be|been|does|do)"
                            r"\s+(?:\w+\s+)?(?:not|never)\b|^\W*(?:\w+\W+){0,2}?(?:not|never)\s+(?:contemplated"
                            r"|anticipated|intended|planned|considered|authori[sz]ed|used|applicable|justified)")
# Parentheses break a clause, except short labels such as "8(a)" or "(b)(2)".
CLAUSE_BREAK = re.compile(r"[,;:\[\]\u2013\u2014]|\((?![\w.]{1,4}\))|(?<!\(\w)(?<!\(\w\w)(?<!\(\w\w\w)\)|\s-\s"
                          r"|\b(?:and|but|however|although|though|whereas|since|because|therefore|thus|while|unless"
                          r"|otherwise|instead|rather)\b")
# What a past-or-current context reaches across: commas, not "but" or a semicolon.
STATEMENT_BREAK = re.compile(r"[;:\u2013\u2014]|\s-\s|\b(?:but|however|although|though|whereas|while|instead"
                             r"|rather|now|today)\b")
NEGATION_WORDS = 10
# Cues that are themselves said through a negation or a modal ("no data to buy it from other than the
# current source", "a change of contractor cannot be made"): no negation or modal after them counts.
# Cues that must end on a capital or digit as written: the name of a firm ("… awarded to General Dynamics").
NAMED = {"intended award to a named firm"}
SAID_NEGATIVELY = {"limited to the approved source (FAR 6.302-1)", "modification without competition (Art. 72)",
                   "Auftragsänderung (§ 132 GWB)", "zmiana umowy", "modification without competition",
                   "no artificial narrowing of the parameters (Art. 32(2)(b))"}  # how far back in the clause a negation still applies to a cue

# Context that makes a cue not a statement about this procurement: (pattern, reason).
# Searched in the text just before the cue (BEFORE_CHARS) ...
BEFORE = [
    (r"\b(?:52|252)\.\d{3}-\d{1,4}\b[^.;]{0,90}$", "FAR/DFARS clause title"),
    (r"emerging\W+small\W+business\W+$|set[\s-]aside(?:\s+for)?\W+or\W+$|%\s*for\W+(?:\w+\W+){0,6}$",
     "form or set-aside label"),
    (r"\bnotice\s+of\s+(?!(?:the\s+|an?\s+)?(?:intent|intention|proposed|contract\s+action|award))(?:[\w()-]+\s+){1,7}$",
     "FAR/DFARS clause title"),
    (r"\b(?:prior|previous|past|former|earlier|other)\s+(?:\w+\s+)?$",
     "about a past or other contract"),
    (r"\b(?:potential(?:ly)?|possibl[ey]|possibility\s+of|whether(?:\s+\w+){0,6}|if(?:\s+\w+){0,4}|considering"
     r"|consider|evaluate|determine\s+if|option\s+to)\s+(?:\w+\s+){0,3}$", "hedge or open question"),
]
# ... in the text just after it ...
AFTER = [
    (r"^\W*(?:\w+\W+){0,3}?(?:or|and/or)\s+(?:a\s+)?(?:full\s+and\s+open\s+)?competi", "hedge: or competition"),
    (r"^\W*(?:\w+\W+){0,2}?\((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s*\d{4}\)",
     "FAR/DFARS clause title"),
    (r"^\s*(?:agreements|arrangements|clauses?|provisions?|relationships?|status)\b",
     "names a kind of arrangement, not this award"),
    (r"^[\s-]*(?:of|for)\s+(?:\w+\s+){0,2}?(?:authoritative|truth|data|information|reference|record|records|heat"
     r"|steam|power|electricity|water|energy|income|revenue|funding|light|news|knowledge|intelligence"
     r"|combination|medications?|drugs?|contact|support|accountability|responsibility|coordination|communications?"
     r"|billing|invoicing|ordering|documentation|guidance)\b", "idiom, not a procurement statement"),
    (r"^\s*(?:options?|route|possibility)\b|^\s*(?:\w+\s+){0,5}?(?:may|might|could|can)\s+(?:also\s+)?"
     r"(?:be\s+)?(?:used|applied|considered|chosen|invoked)\b|^.{0,80}\bif\s+(?:applicable|required|necessary|needed)\b",
     "hedge or open question"),
    (r"^\s*(?:templates?|guidance|instructions|checklists?|samples?)\b", "names a document type, not this award"),
    # "… publish the extension without prior publication of a corrigendum" (the EU institutions' notices)
    (r"^\W*(?:\w+\W+){0,3}?(?:corrigend\w*|berigtigelse|rectificatif|berichtigung|rettifica|correccion|rectificacion"
     r"|rectificacao|rectificatie|rattelse|oikaisu\w*|sprostowani\w*|korigend\w*|helyesbites\w*)",
     "about publishing a corrigendum, not this award"),
    (r"^[\s-]*(?:documents?|repository|repositories|database|portal|platform|dashboard|data\s+set)\b",
     "idiom, not a procurement statement"),
    (r"^[\s-]*(?:suppliers|vendors|subcontractors|sources|manufacturers)\b", "about suppliers in general"),
    (r"^[\s-]*(?:procurements|awards|contracts|acquisitions|justifications|actions|purchases|requirements)\s+"
     r"(?:will|shall|must|are|require|may|should|over|above|exceeding)\b|^[\s-]*requirements\s+(?:of|in|at|under)\b"
     r"|^[\s-]*(?:procedures?|polic(?:y|ies)|rules"
     r"|regulations|thresholds?|questions?)\b", "about sole-source buys in general"),
    (r"^\s*(?:is|are|was|were)\s+(?:used|listed|cited|referenced|shown)\b", "a reference, not a statement"),
    (r"^[\s-]*(?:supplier\s+)?framework", "a single-supplier framework (its supplier is competed for)"),
    (r"^\s*(?:\((?:y/n|yes/no)\))?\s*[:=?]?\s*(?:no|n|false|none|n/a)\s*(?:[.;,)\]]|$)|^\s*(?:\[\s*\]|☐)\s*yes\s*(?:\[x\]|☒)\s*no\b"
     r"|^\s*(?:\[\s*\]|☐|\(\s*\))\s*$", "a form field answered no or left blank"),
]
# ... or anywhere in the cue's statement (its clause and the comma-joined clauses before it).
CLAUSE = [
    (r"\b(?:current|existing|previous|prior|past|original|incumbent|last|predecessor)\s+(?:\w+\s+){0,2}?(?:contract"
     r"|award|order|procurement|acquisition|requirement)s?\b(?:\s+\w+){0,3}?\s+(?:was|were|had\s+been|has\s+been"
     r"|is\s+being)\s+(?:\w+\s+){0,2}?(?:issued|awarded|procured|bought|competed|let|placed|made|obtained)",
     "about a past or other contract"),
    (r"\bcurrently\s+(?:\w+\s+){0,2}?(?:procure[sd]?|procuring|bought|buys?|purchase[sd]?|acquire[sd]?|obtain(?:s|ed)?"
     r"|contract(?:s|ed)?\s+for|(?:is|are)\s+(?:being\s+)?(?:procured|provided|acquired|obtained))\b",
     "about the current contract"),
    (r"\b(?:orders|contracts|awards|purchases|acquisitions|actions|procurements)\b[^.]{0,80}\b(?:require|must\s+be"
     r"|are\s+subject\s+to)\b", "about sole-source buys in general"),
    (r"\b(?:contracts?|awards?|agreements?)\s+with\s+other\s+(?:jurisdictions|agencies|customers|entities"
     r"|organi[sz]ations|states|cities|counties|governments)\b", "about other buyers' contracts"),
    (r"\bbrand\s+names?\s+(?:and|or)\s+(?:generic|chemical|synonym)", "idiom, not a procurement statement"),
    # review-procedure boilerplate: when an application for review may be lodged against such an award
    (r"\b(?:review\s+(?:procedures?|bodies|body|proceedings)|remedies|lodg(?:e|ing)\s+(?:an?\s+)?(?:appeals?|applications?)"
     r"|ineffectiveness|namitk\w*|navrh\w*\s+na\s+ulozeni|uohs|nachprufungs\w*|vergabekammer|delai\s+de\s+recours"
     r"|ricorso\s+(?:innanzi|al\s+tar)|odwolani\w*|jogorvoslat\w*|beroepstermijn)\b",
     "about review procedures, not this award"),
]
BEFORE_CHARS, AFTER_CHARS = 120, 90
# "appoint a sole provider": one supplier will be chosen (by competition), not named as the only one.
TO_BE_CHOSEN = re.compile(r"\b(?:a|one|single)\s+$|\b(?:appoint|appointing|select|selecting|choose|seek|seeking"
                          r"|identify|find)\s+(?:a|one|the)?\s*$")
# Exclusive rights handed to the buyer (an intellectual-property clause), or required of every bidder.
RIGHTS_GIVEN = re.compile(r"\b(?:grant(?:s|ed)?|vest(?:s|ed)?|assign(?:s|ed)?|transfer(?:s|red)?|cede[rn]?|ceder[aá]|c[eè]de"
                          r"|c[eé]der|[uü]bertr\w*|einr[aä]um\w*|conced\w*|licen[cs]es?\s+to)\b")
REQUIRED_OF_BIDDERS = re.compile(r"\b(?:must|shall|should|will\s+need\s+to)\s+be\s+(?:the|an?)\s+$")
# A licence of the manufacturer asked of whoever bids ("i concorrenti devono essere in possesso delle licenze …").
LICENCE_REQUIRED = re.compile(r"\b(?:must|shall|should|required?|requirements?|bidders?|offerors?|tenderers?|applicants?"
                              r"|deve|devono|dovr[aà]|dovranno|requisit\w*|pena\s+di\s+esclusione|concorrent\w*|offerent\w*"
                              r"|partecipant\w*|doit|doivent|devra|devront|exig\w*|requis\w*|soumissionnaires?|candidats?"
                              r"|muss|m[uü]ssen|bieter\w*|bewerber\w*|debe|deben|deber[aá]n?|licitador\w*|requisito\w*)\b")
# The classes that say the supplier holds the manufacturer's licence: a requirement when asked of bidders.
LICENCE_CLASSES = {"manufacturer's licensee", "licenze della casa madre", "licences du constructeur",
                   "Lizenz des Herstellers", "licencias del fabricante"}
# The Art. 32(2)(b) wording of the national acts (bot/cues_eu.py): exclusive rights, which an IP clause also names.
ONE_OPERATOR_CLASSES = {"Art. 63(2)(b): un determinato operatore economico", "Art. R2122-3: un opérateur économique déterminé",
                        "§ 14 Abs. 4 Nr. 2 VgV: nur ein bestimmtes Unternehmen", "art. 168 LCSP: un empresario determinado",
                        "um determinado operador económico", "slechts door een bepaalde ondernemer", "tylko jeden wykonawca"}
SUPPLIER_CLASSES = LICENCE_CLASSES | ONE_OPERATOR_CLASSES | {"sole or exclusive supplier", "fournisseur unique", "proveedor único", "infungibilità / diritti esclusivi",
                    "Ausschließlichkeitsrechte", "exclusive rights or technical reasons"}
# A brand-name purchase competed among resellers is competition, not a justification.
COMPETED_BRAND = re.compile(r"\bcompet(?:e|es|ed|ing|ition|itive(?:ly)?)\b(?!\s+(?:is|was|will)\s+not)")
# A modal or reservation in the cue's clause: the no-competition route is only possible. Not when the
# modal is the offerors' ("all responsible sources may submit a capability statement").
HEDGE = (r"\b(?:if|whether|may|might|could|would|reserves?\s+the\s+right|(?:is|are)\s+(?:also\s+)?(?:possible|permitted\s+to))\b"
         r"(?!\s+(?:\w+\s+)?(?:submit|respond|identify|express|provide|send|request|contact|demonstrate|register))")
HEDGE_WORDS = 10  # how far back in the clause a hedge still applies

# Notices that seek other capable sources: their cues count only as a stated intended award.
SOURCES_SOUGHT = re.compile(r"\bsources?\s+sought\b|\brequest\s+for\s+information\b|\brfi\b|\bmarket\s+(?:research"
                            r"|survey)\b")  # in a title
# In the text, only where the notice says what it itself is ("an RFI was posted and nobody answered"
# in a J&A is not that).
SEEKS_SOURCES_TEXT = re.compile(r"\bthis\s+(?:notice\s+)?(?:is\s+)?(?:a\s+|an\s+)?(?:sources?\s+sought|request\s+for"
                                r"\s+information|rfi|market\s+(?:research|survey))\b|^\W*(?:sources?\s+sought|request\s+for"
                                r"\s+information|rfi)\b|\bfor\s+market\s+research\s+(?:purposes\s+)?only\b"
                                r"|\bmarket\s+research\s+purposes\b")
# Every branch of SOURCES_SOUGHT and SEEKS_SOURCES_TEXT contains one of these (a cheap test before them).
SEEKS_SOURCES_WORDS = ("sought", "request", "rfi", "market")
SEEK_SOURCES_WINDOW = 600  # characters from the start of the text where the notice says what it is

