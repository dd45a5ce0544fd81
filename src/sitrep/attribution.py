"""Attribution: who says what in an article, read off the spaCy parse and the cue lexicon.

``find_statements(doc)`` returns ``Statement``s: the cue ("said", "according to", "denied",
"reports", "reportedly"), the claimant phrase and the organisation it speaks for, the
content (a quote, a that-clause, the rest of the sentence), the whole stretch of text that
carries the statement, and whether the speech is direct (quoted) or indirect.

What it recognises (docs/claims.md has examples):
- speech verbs with a subject: "X said (that) ...", "... , X said", "X denied the report: “...”";
  passives with an agent ("was reported by state TV"); verbs sharing a subject ("said ... and
  added"); pronoun subjects resolved to the previous claimant ("it said");
- prepositional cues: "according to X", "citing X";
- statement nouns: "reports from the Russian side: “...”", "claims by X that ...";
- quotes: “...” next to a cue, quotes running over several sentences, and a quote that
  continues the previous speaker's statement;
- unattributed hedges: "reportedly", "allegedly", "it is believed that", "X is said to".

Offsets are characters of ``doc.text`` (the article text). The parse of news text is noisy
(headings glued to the next sentence, missing commas in some outlets), so every rule works
inside a *region*: the spaCy sentence cut at line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .cues import Cues, load_cues
from .dateline import dateline_at

Span2 = tuple[int, int]

OPEN_GLYPHS = "“„«"
CLOSE_GLYPHS = "”»"
QUOTE_MARKS = '"' + OPEN_GLYPHS + CLOSE_GLYPHS
MAX_QUOTE = 1500  # characters; a longer "quote" is a stray mark
BULLETS = "•·*-–—▪◦"
_GAP_BEFORE = re.compile(r"^[\s,.:;!?\-–—" + QUOTE_MARKS + r"]*$")  # between a quote and a later cue
_GAP_AFTER = re.compile(r"^[\s,:;\-–—" + QUOTE_MARKS + r"]*$")  # between a cue and a later quote
_TRIM = " \t\n,;:-–—" + QUOTE_MARKS
FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo"})
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")


@dataclass(slots=True)
class Statement:
    """One attributed (or hedged) statement, before it becomes a ``Claim``."""

    cue: str  # as written: "said", "according to", "reportedly"
    cue_lemma: str
    cue_class: str  # statement | claim | support | denial | prediction | assessment | hedge | source
    cue_span: Span2
    content: Span2
    evidence: Span2
    claimant: Span2 | None = None  # the phrase as written ("the spokesman of the SDF")
    org: Span2 | None = None  # the organisation it speaks for ("the SDF")
    org_head: Span2 | None = None  # the head word of ``org``
    speech: str = "indirect"  # direct | indirect
    kind: str = "statement"  # statement | denial | prediction | assessment | hedge
    target: Span2 | None = None  # an earlier statement it answers: "the Russian assertion"
    parts: list[Span2] = field(default_factory=list)  # content pieces (quotes around a cue)
    pronoun: bool = False  # the claimant was a pronoun, resolved to an earlier claimant
    continued: bool = False  # an unattributed quote that continues the previous speaker
    relative: bool = False  # a relative clause answering the statement it hangs on ("..., a claim X denied")

    def text(self, doc_text: str) -> str:
        pieces = self.parts or [self.content]
        return " ".join(_clean(doc_text[s:e]) for s, e in pieces)


def _clean(s: str) -> str:
    return " ".join(s.split()).strip(_TRIM)


# -- quotes -------------------------------------------------------------------------------


def _can_open(text: str, i: int) -> bool:
    nxt = text[i + 1] if i + 1 < len(text) else ""
    prv = text[i - 1] if i > 0 else ""
    if not nxt or nxt.isspace():
        return False
    return not prv or prv.isspace() or prv in "([{—–-:,;" or text[i] in OPEN_GLYPHS


def _can_close(text: str, i: int) -> bool:
    nxt = text[i + 1] if i + 1 < len(text) else ""
    prv = text[i - 1] if i > 0 else ""
    if text[i] in CLOSE_GLYPHS:
        return True
    return not nxt or nxt.isspace() or nxt in ".,;:!?)]}—–-'’" or (bool(prv) and not prv.isspace())


def find_quotes(text: str) -> list[Span2]:
    """Spans of quoted text (without the marks). Marks pair left to right; a mark that can
    only open starts a new quote when the previous one never closed; a quote left open runs
    to the end of its paragraph; any "quote" longer than MAX_QUOTE is a stray mark."""
    spans: list[Span2] = []
    open_at: int | None = None
    for m in re.finditer("[" + QUOTE_MARKS + "]", text):
        i = m.start()
        if open_at is not None:
            brk = text.find("\n\n", open_at, i)
            if brk != -1:  # the quote never closed in its paragraph
                end = brk
                while end > open_at and text[end - 1].isspace():
                    end -= 1
                if end - open_at - 1 > 0:
                    spans.append((open_at + 1, end))
                open_at = None
            elif i - open_at > MAX_QUOTE:
                open_at = None
        if open_at is None:
            if _can_open(text, i):
                open_at = i
            continue
        if _can_close(text, i) and i > open_at + 1:
            inner = _strip_span(text, open_at + 1, i)
            if inner[1] > inner[0]:
                spans.append(inner)
            open_at = None
        elif _can_open(text, i):
            open_at = i
    if open_at is not None:
        brk = text.find("\n\n", open_at)
        end = len(text) if brk == -1 else brk
        while end > open_at and text[end - 1].isspace():
            end -= 1
        if 0 < end - open_at - 1 <= MAX_QUOTE:
            spans.append((open_at + 1, end))
    return spans


# -- regions and token spans ---------------------------------------------------------------


class _Doc:
    """The parse plus what the rules ask of it, computed once."""

    def __init__(self, doc: Any, cues: Cues, text: str | None = None) -> None:
        self.doc = doc
        self.text: str = doc.text if text is None else text  # Doc.text rebuilds the string
        self.prep_first = {seq[0] for seq in cues.prepositional}
        self.cues = cues
        self.quotes = find_quotes(self.text)
        self._regions: dict[int, Span2] = {}

    def region(self, tok: Any) -> Span2:
        """The sentence of ``tok`` cut at the line breaks around it."""
        key = tok.i
        if key not in self._regions:
            sent = tok.sent
            s, e = sent.start_char, sent.end_char
            ls = self.text.rfind("\n", 0, tok.idx) + 1
            le = self.text.find("\n", tok.idx)
            le = len(self.text) if le == -1 else le
            self._regions[key] = _strip_span(self.text, max(s, ls), min(e, le))
        return self._regions[key]

    def quote_at(self, pos: int) -> Span2 | None:
        for q in self.quotes:
            if q[0] <= pos < q[1]:
                return q
        return None

    def in_region(self, tok: Any, region: Span2) -> bool:
        return region[0] <= tok.idx < region[1]

    def subtree(self, tok: Any, region: Span2, skip: Iterable[Any] = ()) -> Span2:
        """Character span of ``tok``'s subtree inside ``region`` (without ``skip`` subtrees)."""
        skipped = {t.i for s in skip for t in s.subtree}
        toks = [t for t in tok.subtree if self.in_region(t, region) and t.i not in skipped]
        if not toks:
            return (tok.idx, tok.idx + len(tok))
        return (min(t.idx for t in toks), max(t.idx + len(t) for t in toks))

    def phrase(self, tok: Any, region: Span2) -> Span2:
        """The noun phrase of ``tok`` without relative clauses, clauses and trailing commas:
        "The U.S.-led coalition which launched an air war" -> "The U.S.-led coalition"."""
        skip = [
            c
            for c in tok.children
            if c.dep_ in ("relcl", "acl", "advcl", "punct")
            and c.i > tok.i
            and c.lemma_.lower() not in ("name", "call")  # "a witness named Ahmad" stays whole
        ]
        skip += [c for c in tok.children if c.dep_ == "appos" and any(g.pos_ == "VERB" for g in c.subtree)]
        s, e = self.subtree(tok, region, skip=skip)
        return _trim_phrase(self.text, (s, e))


def _trim_phrase(text: str, span: Span2) -> Span2:
    s, e = span
    while s < e and text[s] in " ,;:-–—(" + QUOTE_MARKS:
        s += 1
    while e > s and text[e - 1] in " ,;:-–—(" + QUOTE_MARKS:
        e -= 1
    return (s, e)


def _strip_span(text: str, s: int, e: int) -> Span2:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e)


def _trim(text: str, span: Span2) -> Span2:
    s, e = span
    while s < e and text[s] in _TRIM:
        s += 1
    dateline = dateline_at(text[:e], s)
    if dateline is not None:  # "IDLIB, SYRIA (March 9, 2019) – Government forces ...": not what was said
        s = dateline[1]
    while e > s and text[e - 1] in _TRIM + ".":
        e -= 1
    if text[s:e].lower().startswith("that "):
        s += 5
    return (s, e)


def _words(text: str, span: Span2) -> int:
    return len(re.findall(r"[^\W\d_]{2,}", text[span[0] : span[1]]))


def _inside(span: Span2, outer: Span2) -> bool:
    return outer[0] <= span[0] and span[1] <= outer[1]


def _overlap(a: Span2, b: Span2) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# -- the claimant ----------------------------------------------------------------------


def _organisation(d: _Doc, subj: Any, region: Span2) -> tuple[Span2, Span2]:
    """The organisation a speaker speaks for, and its head word: "the spokesman of the
    anti-ISIS alliance SDF" -> "the anti-ISIS alliance SDF"; "a Russian Defence Ministry
    spokesman" -> "Russian Defence Ministry"; anyone else -> the phrase itself."""
    t = subj
    roles = d.cues.speaker_roles
    appos = next((c for c in t.children if c.dep_ == "appos" and c.lemma_.lower() in roles), None)
    if t.lemma_.lower() not in roles and appos is not None:
        t = appos  # "Abu Yusef, a spokesman for Ahrar al-Sham"
    if t.lemma_.lower() not in roles:
        # "Observatory director Rami Abdel Rahman": a named person with a role before the name
        comps = [c for c in t.children if c.dep_ in ("compound", "amod") and c.i < t.i]
        role = next((c for c in comps if c.lemma_.lower() in roles), None)
        if role is not None:
            org = [c for c in comps if c.i < role.i and (c.ent_type_ or c.pos_ == "PROPN")]
            org += [
                c
                for c in role.children
                if c.dep_ in ("compound", "amod") and c.i < role.i and (c.ent_type_ or c.pos_ == "PROPN")
            ]
            org.sort(key=lambda c: c.i)
            if org:
                s = min(x.idx for o in org for x in o.subtree)
                e = max(x.idx + len(x) for o in org for x in o.subtree)
                return (s, e), (org[-1].idx, org[-1].idx + len(org[-1]))
        if t.lemma_.lower() in d.cues.claim_nouns:
            # "a statement issued by the brigade", "a report from the ministry"
            for c in t.children:
                by = None
                if c.dep_ == "acl":
                    agent = next((g for g in c.children if g.dep_ == "agent"), None)
                    by = (
                        next((g for g in agent.children if g.dep_ == "pobj"), None)
                        if agent is not None
                        else None
                    )
                elif c.dep_ == "prep" and c.lower_ in ("from", "by"):
                    by = next((g for g in c.children if g.dep_ == "pobj"), None)
                if by is not None and d.in_region(by, region):
                    return d.phrase(by, region), (by.idx, by.idx + len(by))
    for _ in range(3):
        if t.lemma_.lower() not in roles:
            break
        nxt = None
        conj_roles = [c for c in t.children if c.dep_ == "conj" and c.lemma_.lower() in roles]
        for c in [*t.children, *(g for r in conj_roles for g in r.children)]:
            if c.dep_ == "prep" and c.lower_ in ("of", "for", "from"):
                nxt = next((g for g in c.children if g.dep_ == "pobj" and d.in_region(g, region)), None)
            elif c.dep_ == "poss" and c.pos_ in ("PROPN", "NOUN"):
                nxt = c
            if nxt is not None:
                break
        if nxt is None:
            mods = [
                c
                for c in t.children
                if c.dep_ in ("compound", "amod", "nmod") and c.i < t.i and (c.ent_type_ or c.pos_ == "PROPN")
            ]
            if mods:
                s = min(x.idx for m in mods for x in m.subtree)
                e = max(x.idx + len(x) for m in mods for x in m.subtree)
                head = mods[-1]
                return (s, e), (head.idx, head.idx + len(head))
            for c in t.children:
                # "sources in the army", but not "a correspondent in Aleppo"
                if c.dep_ == "prep" and c.lower_ in ("in", "at", "with", "within", "inside"):
                    pobj = next((g for g in c.children if g.dep_ == "pobj" and d.in_region(g, region)), None)
                    if pobj is not None and pobj.ent_type_ not in ("GPE", "LOC", "FAC", "DATE", ""):
                        nxt = pobj
                        break
        if nxt is None:
            break
        t = nxt
    return d.phrase(t, region), (t.idx, t.idx + len(t))


def _subject(d: _Doc, verb: Any, region: Span2) -> Any | None:
    subs = [c for c in verb.children if c.dep_ in SUBJECT_DEPS and d.in_region(c, region)]
    if not subs:
        return None
    same_line = [c for c in subs if "\n" not in d.text[min(c.idx, verb.idx) : max(c.idx, verb.idx)]]
    subs = same_line or subs
    return min(subs, key=lambda c: abs(c.i - verb.i))


# -- statements from speech verbs ------------------------------------------------------


def _clause_span(d: _Doc, verb: Any, subj: Any | None, region: Span2) -> Span2:
    """The cue clause: the verb, its subject and its adjuncts ("said in a statement on Sunday")."""
    toks = [verb]
    if subj is not None:
        toks += list(subj.subtree)
    for c in verb.children:
        if c.dep_ in ("aux", "auxpass", "neg", "advmod", "npadvmod", "prep", "agent", "prt"):
            toks += list(c.subtree)
    toks = [t for t in toks if d.in_region(t, region) and d.quote_at(t.idx) is None]
    return (min(t.idx for t in toks), max(t.idx + len(t) for t in toks))


def _adjacent_quotes(d: _Doc, clause: Span2, region: Span2) -> list[Span2]:
    """Quotes right before the cue clause (“...,” said X) and right after it (X said: “...”)."""
    text = d.text
    # a quote before the clause is the content only when it is the whole start of the sentence
    # (“...,” said X), not a quoted phrase inside it (the road was "effectively cut", X said)
    before = [
        q
        for q in d.quotes
        if q[1] <= clause[0]
        and _GAP_BEFORE.match(text[q[1] : clause[0]])
        and (q[0] <= region[0] + 1 or not text[region[0] : q[0]].strip(" " + QUOTE_MARKS))
    ]
    after = [q for q in d.quotes if q[0] >= clause[1] and _GAP_AFTER.match(text[clause[1] : q[0]])]
    if after and before and text[max(before)[0] : max(before)[1]].rstrip().endswith((".", "!", "?")):
        # “... Manbij.” The YPG denied the report: “...”: the first quote closed a sentence
        # of its own (someone else's statement); this cue's words are the quote after it
        before = []
    out = []
    if before:
        out.append(max(before))
    if after:
        out.append(min(after))
    return out


def _future(d: _Doc, span: Span2) -> bool:
    """Whether the main verb of the content's first clause is in the future ("will be fierce")."""
    toks = [t for t in d.doc.char_span(span[0], span[1], alignment_mode="expand") or []]
    if not toks:
        return False
    ids = {t.i for t in toks}
    roots = [t for t in toks if t.head.i not in ids or t.head.i == t.i]
    first = min(roots, key=lambda t: t.i) if roots else toks[0]
    sent_end = first.sent.end
    for t in toks:
        if t.i >= sent_end:
            break
        if t.dep_ == "aux" and t.lower_ in FUTURE_AUX and (t.head.i == first.i or t.head.head.i == first.i):
            return True
        if t.lower_ == "going" and t.i + 2 < len(d.doc) and d.doc[t.i + 1].lower_ == "to":
            return True
    return False


def _verb_statement(d: _Doc, verb: Any) -> Statement | None:
    cues = d.cues
    lemma = verb.lemma_.lower()
    cls = cues.verb_class.get(lemma)
    if cls is None or not (verb.pos_ == "VERB" or (verb.dep_ == "ROOT" and verb.pos_ in ("NOUN", "PROPN"))):
        return None
    if verb.dep_ in ("amod", "compound") or d.quote_at(verb.idx) is not None:
        return None  # "the alleged attack"; words inside someone's quote
    if any(c.dep_ == "neg" for c in verb.children):
        return None  # "did not say what agent was used"
    region = d.region(verb)
    text = d.text
    subj = _subject(d, verb, region)
    acronym = next((c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.text == "IS"), None)
    if subj is None and acronym is not None:
        subj = acronym  # "IS said ...": the Islamic State, not the verb "is"
    passive = subj is not acronym and (
        any(c.dep_ == "auxpass" for c in verb.children) or (subj is not None and subj.dep_ == "nsubjpass")
    )
    agent = next((c for c in verb.children if c.dep_ == "agent"), None)
    claimant_tok = None
    final = None  # the speaker found as the apposition closing a long subject
    hedge = False
    inherited = False
    if passive:
        pobj = next((g for g in agent.children if g.dep_ == "pobj"), None) if agent is not None else None
        if pobj is not None:
            claimant_tok = pobj
        elif lemma in cues.hedge_passive_verbs:
            hedge = True  # "it is believed that", "30 people were reported killed"
        else:
            return None
    elif subj is not None:
        if subj.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
            claimant_tok = verb.head  # "the ministry, which said ..."
        else:
            final = _final_apposition(d, subj, verb)
            claimant_tok = final or subj
    elif verb.dep_ == "acl" and verb.tag_ == "VBG" and _can_speak(d, verb.head):
        claimant_tok = verb.head  # "with the official SANA news agency saying ..."
    elif verb.dep_ in ("conj", "xcomp", "advcl", "ccomp") and verb.head.i != verb.i:
        head_subj = _subject(d, verb.head, d.region(verb.head))
        if head_subj is None or head_subj.dep_ == "nsubjpass" or head_subj.i > verb.i:
            return None
        claimant_tok = head_subj  # "said ... and added that", "..., saying"
        inherited = True
    else:
        return None
    if (
        claimant_tok is not None
        and claimant_tok.lower_ == "it"
        and lemma in cues.hedge_passive_verbs
        and passive
    ):
        claimant_tok, hedge = None, True

    answered = _answered(d, verb, subj, cls, region)
    if answered is not None:
        # "..., a claim the coalition rejected", "..., which the army denied": the subject
        # answers what the sentence said before the relative clause
        st = _make(
            d, verb, lemma, cls, region, _clause_span(d, verb, subj, region), answered, [], "indirect",
            answered, claimant_tok, False,
        )  # fmt: skip
        if st is not None:
            # who answers a claim is not its claimant again: "the coalition" is the coalition
            st.relative, st.pronoun = True, False
        return st
    clause = _clause_span(d, verb, subj if not hedge else None, region)
    # the content: a quote next to the clause, a clause complement, an object, or what precedes
    content: Span2 | None = None
    parts: list[Span2] = []
    speech = "indirect"
    target: Span2 | None = None
    ccomp = next((c for c in verb.children if c.dep_ in ("ccomp", "csubj") and c is not subj), None)
    dobj = next((c for c in verb.children if c.dep_ in ("dobj", "dative") and c is not subj), None)
    if dobj is not None and lemma == "claim" and dobj.lemma_.lower() in ("life", "lives"):
        return None  # "the fighting claimed 30 lives"
    inverted = _inverted_speaker(d, verb, subj, region) if not passive else None
    if inverted is not None:
        # "... killed 1102 people said the Observatory" (no comma): the speaker follows the verb
        content = _trim(text, (region[0], verb.idx))
        if _words(text, content) < 3:
            return None
        np = d.doc.char_span(*inverted, alignment_mode="expand")
        head = max((t for t in np if t.pos_ in ("PROPN", "NOUN")), key=lambda t: t.i)
        st = _make(
            d, verb, lemma, cls, region, (verb.idx, inverted[1]), content, [], "indirect", None, head, False
        )
        if st is not None:
            st.claimant = inverted
        return st
    xcomp = next((c for c in verb.children if c.dep_ in ("xcomp", "oprd")), None)
    quotes = _adjacent_quotes(d, clause, region)
    if dobj is not None and dobj.lemma_.lower() in cues.claim_nouns:
        target = d.subtree(dobj, region)  # "denied the Russian assertion"
        clause = (min(clause[0], target[0]), max(clause[1], target[1]))
        quotes = _adjacent_quotes(d, clause, region)
    if ccomp is not None and d.quote_at(ccomp.idx) is not None:
        q = d.quote_at(ccomp.idx)
        assert q is not None
        parts, speech = [q], "direct"
        if quotes and len(quotes) == 2 and q in quotes:
            parts = quotes
    elif quotes:
        parts, speech = quotes, "direct"
    elif final is not None:
        # everything before the speaker was said, the misparsed subject included
        content = _trim(text, (region[0], min(t.idx for t in final.subtree)))
    elif ccomp is not None:
        content = _trim(text, d.subtree(ccomp, region))
    elif hedge and subj is not None and xcomp is not None:
        content = _trim(text, (d.subtree(subj, region)[0], d.subtree(xcomp, region)[1]))  # "X is said to ..."
    elif hedge:
        content = _trim(text, region)
    elif target is not None:
        content = target
    elif (
        dobj is not None
        and lemma not in cues.clause_only
        and (cls != "statement" or _words(text, d.subtree(dobj, region)) >= 3)
    ):
        end = d.subtree(dobj, region)[1]
        for c in verb.children:  # "accused X of Y"
            if c.dep_ == "prep" and c.lower_ in ("of", "for") and c.i > dobj.i:
                end = max(end, d.subtree(c, region)[1])
        content = _trim(text, (d.subtree(dobj, region)[0], end))
    elif xcomp is not None and lemma not in cues.clause_only:
        content = _trim(text, d.subtree(xcomp, region))
    elif cls in ("prediction", "claim", "denial") and any(
        c.dep_ == "prep" and c.lower_ in ("of", "about", "that") for c in verb.children
    ):
        prep = next(c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("of", "about", "that"))
        content = _trim(text, d.subtree(prep, region))  # "warned of a catastrophe"
    if (
        content is None
        and not parts
        and dobj is None
        and not inherited
        and verb.tag_ != "VBG"  # "..., adding more": a continuation, not the speaker's clause
        and not any(c.dep_ == "mark" for c in verb.children)
    ):
        # a trailing attribution: "... killed 30 people, the monitor said on Sunday."
        if clause[0] > region[0] and text[clause[1] : region[1]].strip(" .!?\"”'’") == "":
            content = _trim(text, (region[0], clause[0]))
    if parts:
        content = (parts[0][0], parts[-1][1])
    if content is None or content[1] <= content[0] or _words(text, content) < 2:
        return None
    if not parts and _overlap(content, clause) and not hedge:
        # a parse that put the speaker inside the content: keep what lies outside the clause
        if content[0] < clause[0]:
            content = _trim(text, (content[0], clause[0]))
        elif content[1] > clause[1]:
            content = _trim(text, (clause[1], content[1]))
        if content[1] <= content[0] or _words(text, content) < 2:
            return None
    return _make(d, verb, lemma, cls, region, clause, content, parts, speech, target, claimant_tok, hedge)


def _answered(d: _Doc, verb: Any, subj: Any | None, cls: str, region: Span2) -> Span2 | None:
    """What a denial or confirmation in a relative clause answers: the words before the claim
    noun it hangs on ("X killed 20 civilians, a claim the coalition rejected") or before the
    "which" standing for the whole clause ("..., which the army denied"). None for other
    relative clauses ("the ministry, which denied ...": the head noun is the speaker)."""
    if verb.dep_ != "relcl" or cls not in ("denial", "support") or subj is None:
        return None
    if subj.lower_ in ("who", "which", "that"):
        return None
    if any(c.dep_ in ("ccomp", "xcomp", "csubj") for c in verb.children):
        return None  # "a report the ministry denied was true": a clause of its own
    objs = [c for c in verb.children if c.dep_ in ("dobj", "pobj")]
    if len(objs) > 1 or (objs and objs[0].lower_ not in ("which", "that")):
        return None  # "a group that denied the charges": the verb has an object of its own
    head = verb.head
    if head.lemma_.lower() in d.cues.claim_nouns and head.pos_ == "NOUN":
        end = head.left_edge.idx  # "..., a claim the coalition rejected"
    elif objs and objs[0].lower_ == "which":
        end = objs[0].idx  # "..., which the coalition denied": the clause before (FA-KES drops the comma)
    else:
        return None
    span = _trim(d.text, (region[0], end))
    return span if span[1] > span[0] and _words(d.text, span) >= 3 else None


def _make(
    d: _Doc,
    verb: Any,
    lemma: str,
    cls: str,
    region: Span2,
    clause: Span2,
    content: Span2,
    parts: list[Span2],
    speech: str,
    target: Span2 | None,
    claimant_tok: Any | None,
    hedge: bool,
) -> Statement | None:
    claimant = org = org_head = None
    if claimant_tok is not None:
        if claimant_tok.i == verb.head.i and verb.dep_ == "relcl":
            # a relative clause: the head noun without its clause
            claimant = _trim_phrase(
                d.text, (claimant_tok.left_edge.idx, claimant_tok.idx + len(claimant_tok))
            )
        else:
            claimant = d.phrase(claimant_tok, region)
        if _overlap(claimant, content):
            return None
        org, org_head = _organisation(d, claimant_tok, region)
    # the evidence: the whole sentence (cut at line breaks) and the content, which may run on
    start = min(region[0], clause[0], content[0])
    end = max(region[1], clause[1], content[1])
    if content[1] < len(d.text) and d.text[content[1] : content[1] + 1] in QUOTE_MARKS:
        end = max(end, content[1] + 1)
    return Statement(
        cue=verb.text,
        cue_lemma=lemma,
        cue_class="hedge" if hedge else cls,
        cue_span=(verb.idx, verb.idx + len(verb)),
        content=content,
        evidence=(start, end),
        claimant=claimant,
        org=org,
        org_head=org_head,
        speech=speech,
        target=target,
        parts=parts if len(parts) > 1 else [],
        pronoun=claimant_tok is not None and _anaphoric(d, claimant_tok),
    )


def _anaphoric(d: _Doc, tok: Any) -> bool:
    """A claimant that points back to an earlier one: "it", "he", "the statement", "the
    source", "the ministry" (a definite noun with nothing that names a new party)."""
    if tok.lower_ in d.cues.pronouns:
        return True
    lemma = tok.lemma_.lower()
    return (
        (lemma in d.cues.claim_nouns or lemma in d.cues.speaker_roles or lemma in d.cues.speaker_bodies)
        and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children)
        and not any(
            c.dep_ in ("prep", "acl", "poss", "compound", "amod", "appos", "nmod", "relcl")
            for c in tok.children
        )
    )


_ADDRESSEE_VERBS = frozenset(
    {"tell", "inform", "quote", "cite", "accuse", "blame", "charge", "brief", "warn"}
)


def _final_apposition(d: _Doc, subj: Any, verb: Any) -> Any | None:
    """ "..., killing 12 civilians, including two women, the Observatory said": spaCy hangs
    the speaker as an apposition inside a long subject; the speaker is the apposition that
    ends right before the verb."""
    if subj.i > verb.i:
        return None
    for t in subj.subtree:
        if (
            t.dep_ == "appos"
            and t is not subj
            and max(x.i for x in t.subtree) == verb.i - 1
            and _is_speaker(d, t)
        ):
            return t
    return None


def _can_speak(d: _Doc, tok: Any) -> bool:
    """A source a statement can come from: a name, a speaker, a speaking body, a report."""
    lemma = tok.lemma_.lower()
    return (
        tok.ent_type_ in ("ORG", "PERSON", "GPE", "NORP")
        or tok.pos_ == "PROPN"
        or lemma in d.cues.speaker_roles
        or lemma in d.cues.speaker_bodies
        or lemma in d.cues.claim_nouns
        or lemma in d.cues.pronouns
    )


def _is_speaker(d: _Doc, tok: Any) -> bool:
    """A noun phrase head that can be a speaker: a named organisation, person or state, or a
    speaker role ("the spokesman")."""
    return tok.ent_type_ in ("ORG", "PERSON", "GPE", "NORP") or tok.lemma_.lower() in d.cues.speaker_roles


def _inverted_speaker(d: _Doc, verb: Any, subj: Any | None, region: Span2) -> Span2 | None:
    """The speaker of "<content> said the Observatory adding that ..." when the parser, for
    lack of a comma, took a word of the content as the subject: the noun phrase right after
    the verb, when it names a speaker and no clause follows it."""
    if verb.lemma_.lower() in _ADDRESSEE_VERBS or verb.lemma_.lower() in d.cues.clause_only:
        return None
    if verb.tag_ not in ("VBD", "VBZ", "VBP"):
        return None  # "a video showing Islamic State fighters ..."
    if subj is not None and (subj.i > verb.i or _is_speaker(d, subj) or subj.lower_ in d.cues.pronouns):
        return None
    for c in verb.children:
        if c.i > verb.i and c.dep_ in ("ccomp", "xcomp") and c.tag_ != "VBG":
            return None  # "said Assad's forces had retaken ...": the phrase starts the content
        if c.i > verb.i and c.dep_ == "mark":
            return None
    doc = d.doc
    toks = []
    for t in doc[verb.i + 1 : verb.i + 9]:
        if not d.in_region(t, region) or t.pos_ not in ("DET", "ADJ", "PROPN", "NOUN", "NUM", "PUNCT"):
            break
        if t.pos_ == "PUNCT" and t.text not in ("-", "–"):
            break
        toks.append(t)
    nouns = [t for t in toks if t.pos_ in ("PROPN", "NOUN")]
    if not nouns or not any(_is_speaker(d, t) for t in nouns):
        return None
    if verb.i - region_start_token(d, region) < 3:
        return None  # nothing before the verb to be the content
    return (toks[0].idx, nouns[-1].idx + len(nouns[-1]))


def region_start_token(d: _Doc, region: Span2) -> int:
    span = d.doc.char_span(region[0], region[1], alignment_mode="expand")
    return span.start if span is not None else 0


# -- prepositional cues ("according to X", "citing X") ------------------------------------


def _prepositional(d: _Doc, tok: Any) -> Statement | None:
    if tok.lower_ not in d.prep_first:
        return None
    doc = d.doc
    words = None
    for seq in d.cues.prepositional:
        n = len(seq)
        if tok.i + n <= len(doc) and tuple(doc[tok.i + k].lower_ for k in range(n)) == seq:
            words = seq
            break
    if words is None or d.quote_at(tok.idx) is not None:
        return None
    last = doc[tok.i + len(words) - 1]
    region = d.region(tok)
    obj = next((c for c in last.children if c.dep_ in ("pobj", "dobj")), None)
    if obj is None and tok.i + len(words) < len(doc):
        nxt = doc[tok.i + len(words)]
        obj = nxt if nxt.pos_ in ("PROPN", "NOUN", "DET", "ADJ", "NUM") else None
    if obj is None or not d.in_region(obj, region) or not _can_speak(d, obj):
        return None  # "according to their type" is not a source
    claimant = d.phrase(obj, region)
    if obj.head.i != last.i:  # the parser did not attach the object: take its noun phrase
        claimant = (obj.idx, obj.idx + len(obj))
        for t in doc[obj.i + 1 : obj.i + 8]:
            if t.is_punct or not d.in_region(t, region) or t.pos_ in ("VERB", "AUX", "ADP", "CCONJ"):
                break
            claimant = (claimant[0], t.idx + len(t))
    phrase = (tok.idx, claimant[1])
    before = _trim(d.text, (region[0], phrase[0]))
    after = _trim(d.text, (phrase[1], region[1]))
    if words[0] in ("citing", "quoting"):
        content = before  # "..., citing a military source"
    else:
        content = max((before, after), key=lambda s: _words(d.text, s))
    if _words(d.text, content) < 3:
        return None
    org, org_head = _organisation(d, obj, region)
    q = d.quote_at(content[0])
    return Statement(
        cue=d.text[tok.idx : last.idx + len(last)],
        cue_lemma=" ".join(words),
        cue_class="source",
        cue_span=(tok.idx, last.idx + len(last)),
        content=content,
        evidence=(min(region[0], phrase[0], content[0]), max(region[1], phrase[1], content[1])),
        claimant=claimant,
        org=org,
        org_head=org_head,
        speech="direct" if q is not None and _inside(content, (q[0] - 1, q[1] + 1)) else "indirect",
    )


# -- statement nouns ("reports from the Russian side: “...”") ------------------------------


def _noun_statement(d: _Doc, noun: Any) -> Statement | None:
    cues = d.cues
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in cues.claim_nouns or d.quote_at(noun.idx) is not None:
        return None
    head = noun.head
    if head.i != noun.i and head.lemma_.lower() in cues.verb_class and noun.dep_ in ("dobj", "nsubjpass"):
        return None  # the verb's statement covers it ("denied the report")
    if noun.dep_ == "pobj" and head.lower_ == "in" and head.head.lemma_.lower() in cues.verb_class:
        return None  # "said in a statement"
    region = d.region(noun)
    claimant_tok = None
    for c in noun.children:
        if c.dep_ == "prep" and c.lower_ in ("from", "by"):
            claimant_tok = next((g for g in c.children if g.dep_ == "pobj"), None)
        elif c.dep_ == "poss" and c.lower_ not in ("its", "their", "his", "her", "our", "my", "your"):
            claimant_tok = c
        if claimant_tok is not None:
            break
    content: Span2 | None = None
    speech = "indirect"
    clause_end = d.subtree(noun, region)[1]
    for c in noun.children:
        if c.dep_ in ("acl", "ccomp") and any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children):
            content = _trim(d.text, d.subtree(c, region))
            clause_end = min(clause_end, content[0])
    if content is None:
        # "reports from the Russian side in the last week: “...”"
        for q in d.quotes:
            if q[0] > noun.idx and q[0] <= region[1] + 2:
                gap = d.text[noun.idx + len(noun) : q[0]]
                if ":" in gap and "\n\n" not in gap and len(gap) < 120:
                    content, speech = q, "direct"
                    clause_end = noun.idx + len(noun)
                break
    if content is None or _words(d.text, content) < 3:
        return None
    claimant = org = org_head = None
    if claimant_tok is not None:
        claimant = d.phrase(claimant_tok, region)
        org, org_head = _organisation(d, claimant_tok, region)
    start = min(region[0], content[0])
    clause_end = max(clause_end, region[1])
    return Statement(
        cue=noun.text,
        cue_lemma=noun.lemma_.lower(),
        cue_class="statement" if claimant is not None else "hedge",
        cue_span=(noun.idx, noun.idx + len(noun)),
        content=content,
        evidence=(start, max(content[1], clause_end)),
        claimant=claimant,
        org=org,
        org_head=org_head,
        speech=speech,
    )


# -- hedges ------------------------------------------------------------------------------


def _hedge_adverb(d: _Doc, tok: Any) -> Statement | None:
    if tok.lower_ not in d.cues.hedge_adverbs or d.quote_at(tok.idx) is not None:
        return None
    region = d.region(tok)
    head = tok
    while head.head.i != head.i and head.pos_ not in ("VERB", "AUX"):
        head = head.head  # "allegedly for spying": the clause, not the prepositional phrase
    clause = d.subtree(head, region) if head.i != tok.i else region
    content = _trim(d.text, clause)
    if _words(d.text, content) < 3:
        return None
    return Statement(
        cue=tok.text,
        cue_lemma=tok.lower_,
        cue_class="hedge",
        cue_span=(tok.idx, tok.idx + len(tok)),
        content=content,
        evidence=content,
    )


# -- putting it together -------------------------------------------------------------------


def _kind(d: _Doc, st: Statement) -> str:
    if st.cue_class == "hedge" or (st.claimant is None and not st.continued):
        return "hedge"
    if st.cue_class == "denial":
        return "denial"
    if st.cue_class == "prediction" or _future(d, st.parts[0] if st.parts else st.content):
        return "prediction"
    head = d.doc.char_span(*st.claimant, alignment_mode="expand") if st.claimant else None
    heads = {t.lemma_.lower() for t in head} if head is not None else set()
    if st.cue_class == "assessment" or heads & d.cues.assessor_roles:
        return "assessment"
    return "statement"


def _extend_bullets(text: str, st: Statement) -> None:
    """Content that ends with a colon continues in the bullet lines below it."""
    s, e = st.content
    rest = text[e:]
    if not rest.lstrip(" ").startswith(":") and not text[s:e].rstrip().endswith(":"):
        return
    pos = e + (rest.find(":") + 1 if rest.lstrip(" ").startswith(":") else 0)
    end = None
    for m in re.finditer(r"[^\n]*\n?", text[pos:]):
        line = m.group(0)
        if not line:
            break
        stripped = line.strip()
        if not stripped:
            continue
        if stripped[0] in BULLETS or re.match(r"\d+[.)]\s", stripped):
            end = pos + m.start() + len(line.rstrip())
        elif end is not None or pos + m.start() > e + 2:
            break
    if end is not None:
        st.content = (s, end)
        st.evidence = (st.evidence[0], max(st.evidence[1], end))


def find_statements(doc: Any, cues: Cues | None = None, text: str | None = None) -> list[Statement]:
    """Every attributed or hedged statement of ``doc``, in text order (``text``: the Doc's
    text when the caller has it, which saves rebuilding it)."""
    cues = cues or load_cues()
    d = _Doc(doc, cues, text)
    found: list[Statement] = []
    hedges = []
    verbs, nouns = cues.verb_class, cues.claim_nouns
    for tok in doc:
        lemma = tok.lemma_.lower()
        st = None
        if lemma in verbs:
            st = _verb_statement(d, tok)
        if st is None and tok.lower_ in d.prep_first:
            st = _prepositional(d, tok)
        if st is None and lemma in nouns:
            st = _noun_statement(d, tok)
        if st is not None:
            found.append(st)
        elif tok.lower_ in cues.hedge_adverbs:
            hedges.append(tok)
    # hedges only where no attributed statement already covers the words
    for tok in hedges:
        st = _hedge_adverb(d, tok)
        if st is not None and not any(_overlap(st.content, o.evidence) for o in found):
            found.append(st)
    found = _dedupe(found)
    _cut_answers(found)
    found.sort(key=lambda s: s.evidence[0])
    found = _continue_quotes(d, found)
    _resolve_pronouns(d, found)
    for st in found:
        _extend_bullets(d.text, st)
        st.kind = _kind(d, st)
    return found


def article_statements(article: Any, cues: Cues | None = None) -> list[Statement]:
    """``find_statements`` over an article's Doc, computed once and kept on the article:
    the events stage reads them (who speaks is not who acts) and the claims stage builds
    its claims from the same list."""
    cues = cues or load_cues()
    doc = article._doc
    cached = article._meta.get("attribution.statements")
    if cached is not None and cached[0] is doc and cached[1] is cues:
        return list(cached[2])
    found = find_statements(doc, cues, article.text)
    article._meta["attribution.statements"] = (doc, cues, found)
    return list(found)


def _dedupe(found: list[Statement]) -> list[Statement]:
    """One statement per content: an attributed one beats a hedge, a verb beats a noun."""
    rank = {"hedge": 0, "source": 2}
    out: list[Statement] = []
    for st in sorted(found, key=lambda s: (-(s.claimant is not None), -rank.get(s.cue_class, 1))):
        clash = next(
            (
                o
                for o in out
                if o.content == st.content
                or (_inside(st.content, o.content) and st.claimant is None)
                or (st.cue_span == o.cue_span)
            ),
            None,
        )
        if clash is None:
            out.append(st)
    return out


def _cut_answers(found: list[Statement]) -> None:
    """A relative clause answering a statement is not part of what that statement says:
    "The Observatory said the strikes killed 20 civilians, a claim the coalition rejected"
    - the Observatory says the strikes killed 20 civilians, the coalition rejects that."""
    for r in found:
        if not r.relative:
            continue
        for st in found:
            if st is r or st.relative or st.parts or not (st.content[0] < r.cue_span[0] < st.content[1]):
                continue
            cut = (st.content[0], min(st.content[1], r.content[1]))
            if cut[1] > cut[0]:
                st.content = cut
                r.content = r.target = (max(r.content[0], cut[0]), cut[1])


def _continue_quotes(d: _Doc, found: list[Statement]) -> list[Statement]:
    """A quote that no cue claims, standing as its own sentence right after a statement
    with a claimant, continues that statement's speaker."""
    used = [s.evidence for s in found]
    extra: list[Statement] = []
    for q in d.quotes:
        if any(_overlap(q, u) for u in used) or _words(d.text, q) < 4:
            continue
        before = d.text[max(0, q[0] - 3) : q[0] - 1].strip()
        if before and before[-1] not in '.!?:”"':
            continue  # a quoted phrase inside a sentence, not a quoted sentence
        prev = [s for s in found + extra if s.evidence[1] <= q[0] and s.claimant is not None]
        if not prev:
            continue
        last = max(prev, key=lambda s: s.evidence[1])
        gap = d.text[last.evidence[1] : q[0]]
        if len(gap) > 300 or gap.count("\n\n") > 1 or _words(d.text, (last.evidence[1], q[0] - 1)) > 25:
            continue
        extra.append(
            Statement(
                cue=last.cue,
                cue_lemma=last.cue_lemma,
                cue_class=last.cue_class,
                cue_span=last.cue_span,
                content=q,
                evidence=(q[0] - 1, min(len(d.text), q[1] + 1)),
                claimant=last.claimant,
                org=last.org,
                org_head=last.org_head,
                speech="direct",
                continued=True,
                pronoun=last.pronoun,
            )
        )
    return sorted(found + extra, key=lambda s: s.evidence[0])


def _resolve_pronouns(d: _Doc, found: list[Statement]) -> None:
    """ "it said", "he added": the claimant of the nearest earlier statement with a named one."""
    text = d.text
    for i, st in enumerate(found):
        if not st.pronoun or st.continued or st.claimant is None:
            continue
        words = text[st.claimant[0] : st.claimant[1]].lower().split()
        head = words[-1] if words else ""
        noun = None if head in d.cues.pronouns else head  # "the source": an earlier source
        for prev in reversed(found[:i]):
            if prev.claimant is None or prev.pronoun or st.evidence[0] - prev.evidence[1] > 1500:
                continue
            if noun is not None and claims_noun(noun) not in (
                claims_noun(w) for w in text[prev.claimant[0] : prev.claimant[1]].lower().split()
            ):
                # "the statement", "the group" belong to whoever spoke last; "the source"
                # or "the official" only to an earlier source or official
                if claims_noun(noun) in d.cues.speaker_roles or noun in d.cues.speaker_roles:
                    continue
            st.org, st.org_head = prev.org, prev.org_head
            st.claimant = prev.claimant
            break
        else:
            st.pronoun = False  # nobody to resolve to: keep the words as written


def claims_noun(word: str) -> str:
    """ "sources" ~ "source", "ministry's" ~ "ministry"."""
    word = word.strip(".,;:'’\"").removesuffix("'s").removesuffix("’s")
    return word[:-1] if word.endswith("s") and len(word) > 3 else word
