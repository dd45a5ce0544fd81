"""Stage `claims`: attributed statements, the stances between them, how each claim stands,
and what attribution means for the events and figures found before.

1. ``attribution.find_statements`` reads who says what off the parse (see that module).
2. Each statement becomes a ``Claim``; its claimant is the canonical actor whose mention lies
   in the organisation the speaker speaks for ("the spokesman of the anti-ISIS alliance SDF"
   -> Syrian Democratic Forces), else the named organisation, else the phrase as written
   ("a witness named Ahmad").
3. Stances: a later statement answers an earlier one when it points at it ("denied the
   Russian assertion") or says the same thing with the opposite polarity ("There is no
   agreement between SDF and ISIS" against "US allies had made an agreement with ISIS");
   the article itself refutes a claim when it calls it fake, false, a hoax, propaganda.
   Status: supported (only supports), denied (only refutes), disputed (both), unverified.
4. Events whose evidence lies inside a statement become reported / claimed / denied, with
   ``attributed_to``; figures inside a statement get the claimant as ``source``; an event
   whose figures disagree between sources gets ``conflicts`` (each figure with its source).

The stage only amends the modality of events still marked "asserted" (the events stage
owns planned / hypothetical) and only fills a figure's source when none is set.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from typing import Any

from .actors import actor_in, used_as_modifier
from .attribution import Span2, Statement, article_statements
from .cues import Cues, load_cues
from .record import ActorRef, Article, Claim, Event, Figure, Span, Stance
from .stance import content_stems, split_sentences, stem, tokenize

ARTICLE = ActorRef(None, "the article")


class ClaimsStage:
    name = "claims"
    needs = ("doc", "actors", "events", "figures")
    sets = ("claims",)  # also amends events (modality, attributed_to, conflicts) and figure sources

    def __init__(self) -> None:
        self.cues = load_cues()

    def __call__(self, article: Article) -> Article:
        doc = article._doc
        if doc is None:
            return article
        statements = article_statements(article, self.cues)
        article.claims = build_claims(article, statements, self.cues)
        link_stances(article, statements, self.cues)
        find_verdicts(article, doc, statements, self.cues)
        for claim in article.claims:
            claim.status = claim_status(claim)
        attribute_events(article, statements, self.cues)
        attribute_figures(article, statements)
        flag_conflicts(article)
        withdraw_refuted_tolls(article, statements)
        return article


# -- claimants ---------------------------------------------------------------------------


def _entity_name(
    article: Article, span: Span2, labels: tuple[str, ...] = ("ORG", "GPE", "PERSON", "NORP")
) -> str | None:
    """A named organisation, state or person inside ``span`` (spaCy's entities)."""
    doc = article._doc
    if doc is None:
        return None
    if "claims.ents" not in article._meta:  # Doc.ents builds new spans on every access
        article._meta["claims.ents"] = [(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents]
    ents = [
        e
        for e in article._meta["claims.ents"]
        if e[0] in labels
        and span[0] <= e[1]
        and e[2] <= span[1]
        and not used_as_modifier(article.text, e[1], e[2])
    ]
    if not ents:
        return None
    return re.sub(r"^(?:the|The)\s+", "", " ".join(ents[-1][3].split()))


def claimant_ref(article: Article, st: Statement) -> ActorRef | None:
    """The claimant as an actor reference: canonical when an actor's mention lies in the
    organisation the speaker speaks for (or anywhere in the claimant phrase), else the named
    organisation the speaker speaks for, else the phrase as written."""
    if st.claimant is None:
        return None
    text = article.text
    written = " ".join(text[st.claimant[0] : st.claimant[1]].split())
    actor = None
    if st.org is not None:
        actor = actor_in(article, st.org, st.org_head)
    if actor is None:
        actor = actor_in(article, st.claimant)
    if actor is not None:
        return ActorRef(actor.id, actor.name, actor.type, written)
    name = written
    if st.org is not None and st.org != st.claimant:
        name = _entity_name(article, st.org) or " ".join(text[st.org[0] : st.org[1]].split())
    else:
        name = _entity_name(article, st.claimant, ("ORG", "GPE")) or written
    return ActorRef(None, name, None, written)


def _span(text: str, span: Span2) -> Span:
    return Span.of(text, span[0], span[1])


def build_claims(article: Article, statements: list[Statement], cues: Cues) -> list[Claim]:
    claims = []
    for i, st in enumerate(statements, 1):
        claim = Claim(
            id=f"c{i}",
            claimant=claimant_ref(article, st),
            cue=" ".join(st.cue.lower().split()),
            text=st.text(article.text),
            evidence=_span(article.text, st.evidence),
            kind=st.kind,
            speech=st.speech,
            content=_span(article.text, st.content),
        )
        claims.append(claim)
    return claims


# -- stances between statements -------------------------------------------------------------


_NAME_WORD = re.compile(r"[a-z0-9]+")
_NOT_NAME = frozenset(
    {"the", "a", "an", "of", "for", "and", "in", "s", "news", "agency", "official", "state"}
)


def _name_words(ref: ActorRef) -> set[str]:
    words = _NAME_WORD.findall(f"{ref.name} {ref.text or ''}".lower())
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words} - _NOT_NAME


def _named(ref: ActorRef | None, cues: Cues) -> bool:
    """A claimant with a name or an actor id, not only generic words ("the source")."""
    if ref is None:
        return False
    if ref.id:
        return True
    generic = cues.speaker_roles | cues.speaker_bodies | cues.claim_nouns | cues.pronouns
    return bool({w for w in _name_words(ref) if w not in generic and w.rstrip("s") not in generic})


def _same_party(a: ActorRef | None, b: ActorRef | None) -> bool:
    """The same actor, or names one of which holds the other ("the Observatory" and
    "Syrian Observatory for Human Rights", "SANA" and "The SANA news agency")."""
    if a is None or b is None:
        return False
    if a.id and b.id:
        return a.id == b.id
    wa, wb = _name_words(a), _name_words(b)
    return a.name.lower() == b.name.lower() or bool(wa and wb and (wa <= wb or wb <= wa))


def _word_match(a: str, b: str) -> bool:
    """ "Russian" ~ "Russia", "Kurdish" ~ "Kurds": a shared start of at least five letters."""
    a, b = a.lower(), b.lower()
    n = min(len(a), len(b), 5)
    return n >= 4 and a[:n] == b[:n]


def _points_to(article: Article, target: Span2, claim: Claim) -> bool:
    """Whether "the Russian assertion" can mean ``claim``: a modifier of the target names
    the claimant, or an actor mentioned in the target is the claimant."""
    if claim.claimant is None:
        return False
    actor = actor_in(article, target)
    if actor is not None and claim.claimant.id and actor.id == claim.claimant.id:
        return True
    words = re.findall(r"[A-Za-z][\w-]+", article.text[target[0] : target[1]])
    names = re.findall(r"[A-Za-z][\w-]+", f"{claim.claimant.name} {claim.claimant.text or ''}")
    return any(_word_match(w, n) for w in words if w[0].isupper() for n in names)


def _negated(tokens: list[str], cues: Cues) -> bool:
    return any(t in cues.negations for t in tokens)


@functools.lru_cache(maxsize=4096)
def _stems(text: str, cues: Cues) -> frozenset[str]:
    return frozenset(content_stems(tokenize(text), cues))


def similarity(a: str, b: str, cues: Cues) -> tuple[float, int]:
    """How much two statements are about the same thing: shared content words over the
    smaller side, and how many."""
    sa, sb = _stems(a, cues), _stems(b, cues)
    shared = len(sa & sb)
    return shared / max(1, min(len(sa), len(sb))), shared


def _best_sentence(text: str, span: Span2, about: str, cues: Cues) -> Span:
    """The sentence of ``span`` that shares most with ``about`` (the evidence of a stance)."""
    piece = text[span[0] : span[1]]
    best = None
    for s, e in split_sentences(piece):
        sim, shared = similarity(piece[s:e], about, cues)
        if best is None or (shared, sim) > best[0]:
            best = ((shared, sim), (span[0] + s, span[0] + e))
    if best is None:
        return _span(text, span)
    s, e = best[1]
    return _span(text, (s, e))


def _negated_near(text: str, shared: frozenset[str], cues: Cues) -> bool:
    """A negation right before a word the two statements share ("there is no agreement")."""
    toks = tokenize(text)
    for i, t in enumerate(toks):
        if t in cues.negations and any(stem(x) in shared for x in toks[i + 1 : i + 5]):
            return True
    return False


def _stance_of(a: Claim, b: Claim, st_b: Statement, cues: Cues) -> str | None:
    """What statement ``b`` does to the earlier claim ``a`` when it does not point at it:
    a denial, a confirmation or a negation of what ``a`` says refutes or supports it; a
    close restatement by another party supports it; a hedged restatement observes it."""
    sim, shared = similarity(a.text, b.text, cues)
    if shared < 2 or sim < 0.3:
        return None
    if b.kind == "denial":
        return "refutes"
    if st_b.cue_class == "support":
        return "supports"
    if not _names_agree(a.text, b.text):
        return None  # the shelling of one district does not confirm the shelling of another
    if not (_named(a.claimant, cues) and _named(b.claimant, cues)):
        return None  # "the source", "the news agency": most likely the same party again
    common = _stems(a.text, cues) & _stems(b.text, cues)
    if (
        shared >= 3
        and sim >= 0.4
        and _negated_near(a.text, common, cues) != _negated_near(b.text, common, cues)
    ):
        return "refutes"
    if sim >= 0.6 and shared >= 4:
        return "observing" if b.kind == "hedge" else "supports"
    return None


_NAME = re.compile(r"\b([A-Z][\w-]+|\d[\d,.]*\d|\d)")


def _names(text: str) -> set[str]:
    """Names and numbers, the first word of a sentence aside."""
    out = set()
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if m.group(0)[0].isupper() and (not before or before[-1] in '.!?:"“'):
            continue
        out.add(stem(m.group(0).lower()))
    return out


def _names_agree(a: str, b: str) -> bool:
    """The names and numbers of the shorter statement all occur in the longer one."""
    na, nb = _names(a), _names(b)
    small, large = (na, nb) if len(a) <= len(b) else (nb, na)
    return small <= large


def link_stances(article: Article, statements: list[Statement], cues: Cues) -> None:
    """Each statement answers at most one earlier claim of another party."""
    claims = article.claims
    for j, (b, st_b) in enumerate(zip(claims, statements, strict=True)):
        if st_b.continued:
            continue
        if st_b.relative and st_b.target is not None:
            # "..., a claim the coalition rejected": it answers the statement it hangs on, in
            # the same sentence
            answered = [
                a
                for a, st_a in zip(claims, statements, strict=True)
                if a is not b and not st_a.relative and _overlaps(st_a.content, st_b.target)
                and not _same_party(a.claimant, b.claimant)
            ]  # fmt: skip
            if answered:
                answer = "refutes" if st_b.cue_class == "denial" else "supports"
                _add_stance(article, answered[-1], answer, b, st_b, cues)
            continue
        earlier = [
            a
            for a, st_a in zip(claims[:j], statements[:j], strict=True)
            if not _same_party(a.claimant, b.claimant) and not _overlaps(st_b.evidence, st_a.evidence)
        ]  # statements in one sentence relay each other ("X reported that Y said"): no stance
        if not earlier:
            continue
        chosen: tuple[Claim, str] | None = None
        if st_b.target is not None and st_b.cue_class in ("denial", "support"):
            pointed = [a for a in earlier if _points_to(article, st_b.target, a)]
            about = pointed or [a for a in earlier if _stance_of(a, b, st_b, cues)] or earlier[-1:]
            chosen = (about[-1], "refutes" if st_b.cue_class == "denial" else "supports")
        else:
            for a in reversed(earlier):
                stance = _stance_of(a, b, st_b, cues)
                if stance is not None:
                    chosen = (a, stance)
                    break
        if chosen is None:
            continue
        _add_stance(article, *chosen, b, st_b, cues)


def _add_stance(article: Article, a: Claim, stance: str, b: Claim, st_b: Statement, cues: Cues) -> None:
    by = b.claimant or ARTICLE
    if any(_same_party(s.by, by) and s.stance == stance for s in a.stances):
        return
    a.stances.append(Stance(by, stance, _best_sentence(article.text, st_b.content, a.text, cues)))


def _overlaps(a: Span2, b: Span2) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# -- the article's own verdict ----------------------------------------------------------


def find_verdicts(article: Article, doc: Any, statements: list[Statement], cues: Cues) -> None:
    """ "These reports ... turned out to be fake news", "Russia spreads false reports": the
    article (not a quoted party) refutes or supports earlier claims."""
    claims = article.claims
    if not claims:
        return
    inside = [st.evidence for st in statements if st.claimant is not None]
    for tok in doc:
        word = tok.lower_
        if word in cues.verdict_refutes:
            stance = "refutes"
        elif word in cues.verdict_supports and tok.pos_ in ("ADJ", "NOUN"):
            stance = "supports"
        else:
            continue
        if tok.pos_ not in ("ADJ", "NOUN") or any(a <= tok.idx < b for a, b in inside):
            continue
        if any(c.dep_ == "neg" for c in tok.head.children) or any(c.dep_ == "neg" for c in tok.children):
            continue
        subject = _verdict_subject(tok, cues)
        if subject is None:
            continue
        noun, source = subject
        sent = tok.sent
        before = [c for c in claims if c.evidence.start < sent.start_char]
        targets = _verdict_targets(article, before, noun, source, sent.start_char)
        for claim in targets:
            if any(s.by.name == ARTICLE.name and s.stance == stance for s in claim.stances):
                continue
            claim.stances.append(
                Stance(ARTICLE, stance, _span(article.text, (sent.start_char, sent.end_char)))
            )


def _verdict_subject(tok: Any, cues: Cues) -> tuple[Any, Any | None] | None:
    """The claim noun a verdict word judges, and who made those claims when the sentence
    says it: (noun, source token or None)."""
    # "the false reports", "fake news spread by Russia": the verdict modifies a claim noun
    if tok.dep_ in ("amod", "compound") and tok.head.lemma_.lower() in cues.claim_nouns:
        noun = tok.head
        verb = noun.head
        src = None
        if noun.dep_ in ("dobj",):
            src = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if noun.dep_ in ("attr", "acomp"):
            return _subject_of(verb, cues)
        return noun, src
    # "These reports ... turned out to be fake news": the verdict is in the predicate
    t = tok
    for _ in range(6):
        if t.head.i == t.i:
            break
        t = t.head
        found = _subject_of(t, cues)
        if found is not None:
            return found
    return None


def _subject_of(verb: Any, cues: Cues) -> tuple[Any, Any | None] | None:
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None:
        return None
    if subj.lemma_.lower() in cues.claim_nouns or subj.lower_ in ("this", "that", "these", "those"):
        return subj, None
    return None


def _verdict_targets(
    article: Article, before: list[Claim], noun: Any, source: Any | None, at: int
) -> list[Claim]:
    if not before:
        return []
    if source is not None:
        who = actor_in(article, (source.idx, source.idx + len(source)))
        same = [
            c
            for c in before
            if c.claimant is not None
            and (
                (who is not None and c.claimant.id == who.id)
                or any(
                    _word_match(source.text, w)
                    for w in c.claimant.name.split() + (c.claimant.text or "").split()
                )
            )
        ]
        if same:
            return same
    # "These reports": the nearest earlier claim made with the same word, else the nearest one
    lemma = noun.lemma_.lower()
    recent = [c for c in before if at - c.evidence.end < 400]
    same_cue = [c for c in recent if (c.cue or "").rstrip("s") == lemma.rstrip("s")]
    if same_cue:
        return same_cue[-1:]
    attributed = [c for c in recent if c.claimant is not None]
    return attributed[-1:] if attributed else []


def claim_status(claim: Claim) -> str:
    kinds = {s.stance for s in claim.stances}
    if "refutes" in kinds and "supports" in kinds:
        return "disputed"
    if "refutes" in kinds:
        return "denied"
    if "supports" in kinds:
        return "supported"
    return "unverified"


# -- events and figures inside statements ---------------------------------------------------


def _containing(statements: list[Statement], start: int, end: int) -> Statement | None:
    """The innermost attributed or hedged statement whose text holds [start, end)."""
    hits = [st for st in statements if st.evidence[0] <= start and end <= st.evidence[1]]
    if not hits:
        return None
    return min(hits, key=lambda st: st.evidence[1] - st.evidence[0])


def _party(ref: ActorRef | None, event: Event) -> bool:
    return any(_same_party(ref, x) for x in (event.actor1, event.actor2) if x is not None)


def attribute_events(article: Article, statements: list[Statement], cues: Cues) -> None:
    """reported / claimed / denied, with who says so, for events told inside a statement.
    ``attributed_to`` is who says it (not who denies it: the claim's stances say that, and
    ``event.claim`` points to the claim); planned and hypothetical events keep their
    modality and get who says so."""
    by_statement = {id(st): c for st, c in zip(statements, article.claims, strict=True)}
    for event in article.events:
        ev = event.evidence
        st = _containing(statements, ev.start, ev.end) or _mostly_inside(statements, ev.start, ev.end)
        if st is None:
            continue
        claim = by_statement[id(st)]
        event.claim = claim.id
        if event.attributed_to is None:
            event.attributed_to = claim.claimant
        if event.modality != "asserted":
            continue
        if claim.status == "denied" or (claim.kind == "denial" and _denied_part(article.text, st, ev, cues)):
            event.modality = "denied"
        elif st.cue_class == "claim" or _party(claim.claimant, event):
            event.modality = "claimed"
        else:
            event.modality = "reported"


def _denied_part(text: str, st: Statement, ev: Span, cues: Cues) -> bool:
    """Whether a denial denies this event: an indirect denial ("denied that its jets bombed
    the market") denies all it holds; in a quoted denial, only the sentences with a negation
    ("There is no agreement", not "Our goal is to liberate Raqqa")."""
    if st.speech == "indirect":
        return True
    a, b = max(ev.start, st.content[0]), min(ev.end, st.content[1])
    if b <= a:
        return True  # the event is told in the cue clause itself ("X denied the attack")
    return any(t in cues.negations for t in tokenize(text[a:b]))


def _mostly_inside(statements: list[Statement], start: int, end: int) -> Statement | None:
    """A statement whose sentences hold most of [start, end): an event sentence cut
    differently (a heading glued to it, a quote running on)."""
    best = None
    for st in statements:
        for s, e in (st.evidence, st.content):
            a, b = max(start, s), min(end, e)
            if b - a > 0.6 * (end - start) and (best is None or b - a > best[0]):
                best = (b - a, st)
    return best[1] if best else None


def attribute_figures(article: Article, statements: list[Statement]) -> None:
    by_statement = {id(st): c for st, c in zip(statements, article.claims, strict=True)}
    for fig in article.figures:
        if fig.source is not None:
            continue
        start = fig.start if fig.start is not None else fig.evidence.start
        end = fig.end if fig.end is not None else fig.evidence.end
        st = _containing(statements, start, end)
        if st is not None and st.claimant is not None:
            fig.source = by_statement[id(st)].claimant


# -- conflicting figures -------------------------------------------------------------------

_DEAD = re.compile(
    r"\b(kill|dead|death|die|died|fatalit|lives\b|toll|bodies|body|slain|massacre|execut)", re.I
)
_HURT = re.compile(r"\b(injur|wound|hurt|casualt)", re.I)
_DISPLACED = re.compile(r"\b(displac|fled|flee|refugee|evacuat|homeless)", re.I)
_GROUPS = (
    ("children", re.compile(r"\b(child|children|kids?|minors?|boys?|girls?|infants?|babies)\b", re.I)),
    ("women", re.compile(r"\b(women|woman|females?)\b", re.I)),
    (
        "combatants",
        re.compile(
            r"\b(soldiers?|troops?|fighters?|militants?|rebels?|jihadists?|combatants?|members?|"
            r"militiamen|gunmen|insurgents?|servicemen|officers?|loyalists?|policemen|terrorists?)\b",
            re.I,
        ),
    ),
    ("civilians", re.compile(r"\b(civilians?|residents?|villagers?)\b", re.I)),
)
# Which side combatants are on, when the unit says it: 25 troops and 19 insurgents are two counts.
_STATE_SIDE = re.compile(r"\b(soldiers?|troops?|servicemen|officers?|policemen|loyalists?|army)\b", re.I)
_ARMED_GROUPS = re.compile(
    r"\b(rebels?|militants?|jihadists?|insurgents?|terrorists?|gunmen|militiamen|fighters?)\b", re.I
)


# Units that count people: only those make a toll ("3 separate clashes" does not).
_PEOPLE = re.compile(
    r"\b(people|persons?|individuals|civilians?|children|child|kids?|minors?|boys?|girls?|infants?|babies|"
    r"women|woman|men|man|soldiers?|troops?|fighters?|militants?|rebels?|jihadists?|combatants?|members?|"
    r"militiamen|gunmen|insurgents?|servicemen|officers?|loyalists?|policemen|terrorists?|residents?|"
    r"villagers?|students?|workers?|staff|personnel|victims?|dead|bodies|casualties|deaths|families|"
    r"refugees|migrants|citizens?|detainees|prisoners|hostages|volunteers|doctors|nurses|journalists)\b",
    re.I,
)


# "19 wounded", "four killed": a toll without a noun
_BARE_TOLL = re.compile(
    r"\s*(?:were |was |have been |had been |are |being )?(?:killed|dead|died|wounded|injured|hurt|displaced)\b",
    re.I,
)


_TOLLS = (("fatalities", _DEAD), ("injured", _HURT), ("displaced", _DISPLACED))


def figure_field(fig: Figure, text: str | None = None) -> str | None:
    """Which count a figure gives: "fatalities.total", "fatalities.children", "injured",
    "injured.civilians", "displaced"... or None when it is not a toll of people. A number
    without a noun ("19 wounded") is a toll when the word after it in ``text`` says so."""
    words = f"{fig.unit or ''} {fig.what or ''}"
    if not _PEOPLE.search(fig.unit or ""):
        if fig.unit:
            return None
        after = text[fig.end : fig.end + 40] if text is not None and fig.end is not None else fig.what or ""
        if not _BARE_TOLL.match(after):
            return None
        words = after
    # the casualty word nearest the number decides ("over 100 injured in ... killed" is injured)
    found = [(m.start(), base) for base, rx in _TOLLS if (m := rx.search(words))]
    if not found:
        return None
    base = min(found)[1]
    for name, pattern in _GROUPS:
        if pattern.search(fig.unit or ""):
            return f"{base}.{name}"
    return f"{base}.total" if base == "fatalities" else base


def _side(fig: Figure) -> str:
    unit = fig.unit or ""
    if _STATE_SIDE.search(unit):
        return "state"
    if _ARMED_GROUPS.search(unit):
        return "armed groups"
    return ""


_BOUNDS = {
    None: (1.0, 1.0),
    "exactly": (1.0, 1.0),
    "at least": (1.0, math.inf),
    "more than": (1.0, math.inf),
    "less than": (0.0, 1.0),
    "at most": (0.0, 1.0),
    "up to": (0.0, 1.0),
    "about": (0.8, 1.2),
}


def _interval(fig: Figure) -> tuple[float, float]:
    lo, hi = _BOUNDS.get(fig.qualifier, (1.0, 1.0))
    v = float(fig.value)
    return v * lo, v * hi


def _disagree(a: Figure, b: Figure) -> bool:
    """Two figures that cannot both be right: "at least 4" and "4" agree, "31" and "27" do not."""
    (alo, ahi), (blo, bhi) = _interval(a), _interval(b)
    return ahi < blo or bhi < alo


def _source_key(fig: Figure) -> str:
    if fig.source is None:
        return ARTICLE.name
    return (fig.source.id or fig.source.name).lower()


# Words that make a figure a part of a toll, not the toll: "another five", "three more died".
# Words that make a figure a part of a toll, not the toll: "another five", "including 10",
# "three more died", "four others".
_PART_BEFORE = re.compile(
    r"\b(another|including|among them|of whom|of them|other|further|additional|remaining)\W+(\w+\W+)?$", re.I
)
_PART_AFTER = re.compile(r"^\W*(\w+\W+)?(more(?!\s+than)|others?)\b", re.I)
_UPDATE = re.compile(
    r"\b(earlier|previously|initially|(initial|previous|preliminary|first|new|latest|updated) (death )?toll)\b",
    re.I,
)
# A source that is an earlier version of the same toll: an update, not a disagreement.
_EARLIER = re.compile(r"\b(earlier|previous|initial|preliminary|first|old)\b", re.I)


# Sentences that open on another incident: "Meanwhile three people were killed in ..."
_ANOTHER_INCIDENT = re.compile(r"\W*(meanwhile|later|elsewhere|separately|in another|in a separate)\b", re.I)


# A count told as an addition to one given before: "the source added that two were killed".
_ADDED = re.compile(r"\b(added|adding)\b", re.I)


def _lead_end(article: Article) -> int:
    """Where the article's lead ends: its first two sentences (the title and first sentence
    of most inputs), where an outlet states its own toll of the main event."""
    if "claims.lead" not in article._meta:
        end = min(len(article.text), 400)
        if article._doc is not None:
            sents = list(itertools.islice(article._doc.sents, 2))
            if sents:
                end = sents[-1].end_char
        article._meta["claims.lead"] = end
    return int(article._meta["claims.lead"])


def _about_this_event(article: Article, event: Event, fig: Figure) -> bool:
    """Whether a figure counts this event's victims, as far as its sentence shows: not a part
    ("another five"), not a running total ("since April"), not another date than the event's."""
    ev = fig.evidence
    start = fig.start if fig.start is not None else ev.start
    end = fig.end if fig.end is not None else ev.end
    if fig.source is None and ev.start > _lead_end(article):
        return False  # the article's own figures away from its lead tell of other strikes or the past
    if _ANOTHER_INCIDENT.match(ev.text):
        return False  # "Meanwhile three people were killed in ..."
    if _PART_BEFORE.search(article.text[max(ev.start, start - 20) : start]) or _PART_AFTER.match(
        article.text[end : min(ev.end, end + 20)]
    ):
        return False
    if fig.source is not None and _EARLIER.search(f"{fig.source.text or ''} {fig.source.name}"):
        return False
    if _UPDATE.search(ev.text):
        return False  # "Earlier it was reported that ...", "the initial toll": an update
    dates = [d for d in article._dates if d.char_start is not None and ev.start <= d.char_start < ev.end]
    if any(d.ongoing for d in dates) or re.search(r"\bsince\b", ev.text, re.I):
        return False  # a running total
    when = event.date
    if dates and when is not None and when.start and when.end:
        if not any(d.start and d.end and d.start <= when.end and when.start <= d.end for d in dates):
            return False
    return True


def _place_names(article: Article, start: int, end: int) -> set[str]:
    """The places a sentence names (the places stage's, else spaCy's GPE/LOC/FAC entities)."""
    names = {
        (p.name or p.mention).lower()
        for p in article.places
        if p.start is not None and start <= p.start < end
    }
    if names or article._doc is None:
        return names
    if "claims.places" not in article._meta:
        article._meta["claims.places"] = [
            (e.start_char, e.text.lower()) for e in article._doc.ents if e.label_ in ("GPE", "LOC", "FAC")
        ]
    return {name for at, name in article._meta["claims.places"] if start <= at < end}


def _event_spans(event: Event) -> list[tuple[int, int]]:
    """The sentences that tell the event: its evidence and its mentions."""
    return [(event.evidence.start, event.evidence.end)] + [(m.start, m.end) for m in event.mentions]


def _figures_of(article: Article, event: Event) -> list[Figure]:
    """The figures of the event's sentences that count its victims: a sentence naming other
    places than the event's sentence tells of another attack, and a sentence that breaks a toll
    down ("30 in Aleppo and another 39 in Idlib") gives parts."""
    spans = _event_spans(event)
    where = _place_names(article, event.evidence.start, event.evidence.end)
    if event.location is not None:
        where.add((event.location.name or event.location.mention).lower())
    out = []
    for fig in article.figures:
        start = fig.start if fig.start is not None else fig.evidence.start
        if not any(s <= start < e for s, e in spans) or not _about_this_event(article, event, fig):
            continue
        there = _place_names(article, fig.evidence.start, fig.evidence.end)
        if where and there and not (where & there):
            continue
        out.append(fig)
    breakdown = {
        (f.evidence.start, figure_field(f, article.text), _source_key(f))
        for f in out
        for g in out
        if f is not g
        and f.evidence.start == g.evidence.start
        and figure_field(f, article.text) == figure_field(g, article.text)
        and _source_key(f) == _source_key(g)
        and f.value != g.value
    }
    return [
        f for f in out if (f.evidence.start, figure_field(f, article.text), _source_key(f)) not in breakdown
    ]


def _without_parts(figs: list[Figure]) -> list[Figure]:
    """Drop figures that add up to another one of the same count ("11 killed" told as 8 in one
    place and 3 in another)."""
    exact = [f for f in figs if f.qualifier in (None, "exactly")]
    for whole in exact:
        parts = [f for f in exact if f is not whole and f.value < whole.value]
        values = [float(f.value) for f in parts]
        for r in range(2, min(len(values), 4) + 1):
            for combo in itertools.combinations(range(len(values)), r):
                if sum(values[i] for i in combo) == float(whole.value):
                    drop = {id(parts[i]) for i in combo}
                    return [f for f in figs if id(f) not in drop]
    return figs


def _conflict(name: str, fig: Figure, source: ActorRef) -> dict[str, Any]:
    """One entry of ``event.conflicts``: a figure of the count ``name`` with its source."""
    return {
        "field": name,
        "value": fig.value,
        "qualifier": fig.qualifier,
        "unit": fig.unit,
        "source": source.to_dict(),
        "evidence": fig.evidence.to_dict(),
    }


def flag_conflicts(article: Article) -> None:
    """An event whose sentences give, from different sources, numbers for the same count that
    cannot all be right keeps every figure of that count in ``conflicts`` (each with its
    source) instead of one."""
    for event in article.events:
        by_field: dict[tuple[str, str], list[Figure]] = {}
        for fig in _figures_of(article, event):
            name = figure_field(fig, article.text)
            if name is not None and not fig.approximate:
                by_field.setdefault((name, _side(fig)), []).append(fig)
        conflicts: list[dict[str, Any]] = []
        for (name, _), figs in by_field.items():
            figs = [f for f in _without_parts(figs) if not _ADDED.search(f.evidence.text)]
            clash = any(
                _source_key(a) != _source_key(b) and _disagree(a, b)
                for i, a in enumerate(figs)
                for b in figs[i + 1 :]
            )
            if not clash:
                continue
            conflicts.extend(_conflict(name, f, f.source or ARTICLE) for f in figs)
        if conflicts:
            event.conflicts = conflicts


_FIELD_ATTRS = {
    "fatalities.total": ("fatalities", "total"),
    "fatalities.civilians": ("fatalities", "civilians"),
    "fatalities.children": ("fatalities", "children"),
    "fatalities.women": ("fatalities", "women"),
    "fatalities.combatants": ("fatalities", "combatants"),
    "injured": (None, "injured"),
    "displaced": (None, "displaced"),
}


def withdraw_refuted_tolls(article: Article, statements: list[Statement]) -> None:
    """A toll told only inside a claim others refute ("Activists said 40 civilians died, a
    claim the coalition rejected") is not the toll of an event the article asserts: it leaves
    the event's counts and goes into ``event.conflicts`` with ``status`` "denied" and the
    claim's id. A denied event keeps its toll: it is the refuted claim's own."""
    refuted = [
        (st, c)
        for st, c in zip(statements, article.claims, strict=True)
        if c.status == "denied" and st.claimant
    ]
    if not refuted:
        return
    text = article.text
    for event in article.events:
        if event.modality == "denied":
            continue
        spans = _event_spans(event)
        figs = [f for f in article.figures if f.start is not None and any(a <= f.start < b for a, b in spans)]
        fields = {id(f): figure_field(f, text) for f in figs}
        for fig in figs:
            assert fig.start is not None
            claim = next((c for st, c in refuted if st.content[0] <= fig.start < st.content[1]), None)
            name = fields[id(fig)]
            key = name if name and name.startswith("fatalities") else (name or "").split(".")[0]
            attr = _FIELD_ATTRS.get(key)  # "injured.civilians" is the event's injured
            if claim is None or name is None or attr is None or not isinstance(fig.value, int | float):
                continue
            holder = event.fatalities if attr[0] == "fatalities" else event
            if getattr(holder, attr[1]) != int(fig.value):
                continue
            others = [
                g
                for g in figs
                if g is not fig
                and g.value == fig.value
                and fields[id(g)] == name
                and not any(st.content[0] <= (g.start or 0) < st.content[1] for st, _ in refuted)
            ]
            if others:
                continue  # someone else gives the same count: it stands
            setattr(holder, attr[1], None)
            if attr[0] == "fatalities":
                # the counts the events stage derived from this one (unspecified victims
                # counted as civilians, the total of the parts) go with it
                for k in ("total", "civilians"):
                    if getattr(event.fatalities, k) == int(fig.value):
                        setattr(event.fatalities, k, None)
            entry = _conflict(name, fig, fig.source or claim.claimant or ARTICLE)
            event.conflicts = [*(event.conflicts or []), {**entry, "status": "denied", "claim": claim.id}]
