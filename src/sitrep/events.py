"""Events: the sentences that report events, typed in ACLED's vocabulary, with arguments.

For each article:
1. every sentence is scored against the trigger lexicon (``data/event_triggers.yaml``);
   sentences with a trigger are candidates, typed by the cheap lexical model of
   ``sitrep.event_classifier``;
2. the headline candidate (the event the article leads with) is typed again by the full
   model (sentence embeddings + triggers) over its sentence and the next ones;
3. each candidate gets its arguments: actor1/actor2 from the actors' syntactic roles around
   the trigger, the location (``sitrep.places.locate``; for displacement the destination,
   with ``origin`` where people fled from), the date (the sentence's own date expression,
   else the publication date), fatalities split by victim, injured, displaced, the method,
   and modality (planned / hypothetical from the sentence's own wording; negated
   triggers report no event);
4. mentions of one event are merged (same sub-type, compatible place, date and actors),
   keeping every evidence span; casualty sentences without a trigger of their own add
   their figures to the event before them;
5. exactly one event is the headline; events dated well before publication are
   ``background``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .actors import actor_file, actor_in, generic_actor, span_head
from .attribution import Statement, article_statements
from .cues import load_cues
from .dateline import dateline_at
from .event_classifier import LABELS, NO_EVENT, EventClassifier, lexicon, load_classifier, text_forms
from .places import METONYMS, locate
from .record import SUB_EVENT_TYPES, ActorRef, Article, DateInterval, Event, Fatalities, Figure, Place, Span

MIN_TRIGGER = 1.5  # a sentence needs at least this trigger score to be a candidate
STRONG_TRIGGER = 2.0  # ... and one trigger this strong (or twice this in all)
LEAD_CONFIDENCE = 0.5  # without any candidate, the lead is an event when the model is this sure
WINDOW_TOKENS = 110  # the headline is typed on its sentence and the next ones, up to this length
BACKGROUND_DAYS = 45  # events that ended this long before publication are background
# A publication stamp at the top of a text ("Wed 05 Apr 2017 ...", "Published February 23
# 2015 ...", "Date of publication 21 September 2016 ..."): a full date within this many
# characters of the start, after nothing but a publication cue or a weekday.
STAMP_CHARS = 40
STAMP_PREFIX = re.compile(
    r"^\W*(?:(?:last\s+)?(?:posted|published|updated|date of publication|dated|first published)\b"
    r"(?:\s+(?:on|at))?\W*)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\W*)?$",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# ... and the stamp glued into the opening after the title and outlet, as FA-KES and
# aggregators print it ("Air raids kill 11 civilians Monitor AFP Friday 15 Jul 2016 At least
# ..."): the publication day in full, within this many characters, standing alone (no
# preposition or verb of the sentence introduces it)
OPENING_CHARS = 400
STAMP_BEFORE = re.compile(
    r"\b(?:on|since|by|from|until|till|before|after|of|in|to|between|and|or|through|during|dated)\W*$",
    re.IGNORECASE,
)
MERGED_DATE_DAYS = 7  # a merged mention's date replaces the publication-day fallback up to this long

KILL_WORDS = {
    "kill", "killed", "killing", "die", "died", "dead", "death", "deaths", "toll", "slay", "slain", "massacre",
    "massacred", "execute", "executed", "behead", "beheaded", "murder", "murdered", "fatality", "fatalities",
    "life", "lives", "body", "bodies", "martyr", "martyred", "martyrs", "perish", "perished", "claim", "claimed",
}  # fmt: skip
INJURE_WORDS = {"wound", "wounded", "injure", "injured", "injury", "injuries", "hurt", "casualty", "casualties", "hospitalize", "hospitalized", "hospitalised", "maim", "maimed"}  # fmt: skip
DISPLACE_WORDS = {"flee", "fled", "displace", "displaced", "evacuate", "evacuated", "escape", "escaped", "uproot", "uprooted", "refugee", "refugees", "homeless", "leave", "left"}  # fmt: skip
CHILD_WORDS = {"child", "children", "kid", "kids", "boy", "boys", "girl", "girls", "minor", "minors", "infant", "infants", "baby", "babies", "toddler", "toddlers", "student", "students", "schoolchildren", "pupils"}  # fmt: skip
WOMEN_WORDS = {"woman", "women", "mother", "mothers", "girl", "girls", "wife", "wives"}
COMBATANT_WORDS = {
    "soldier", "soldiers", "fighter", "fighters", "militant", "militants", "troop", "troops", "member", "members",
    "rebel", "rebels", "combatant", "combatants", "gunman", "gunmen", "jihadist", "jihadists", "terrorist",
    "terrorists", "insurgent", "insurgents", "militiaman", "militiamen", "officer", "officers", "policeman",
    "policemen", "personnel", "guard", "guards", "commander", "commanders", "attacker", "attackers", "bomber",
    "bombers", "recruit", "recruits", "serviceman", "servicemen", "mercenary", "mercenaries", "police", "pilot",
}  # fmt: skip
CIVILIAN_WORDS = {
    "civilian", "civilians", "people", "person", "persons", "resident", "residents", "villager", "villagers",
    "worshipper", "worshippers", "passenger", "passengers", "farmer", "farmers",
    "patient", "patients", "doctor", "doctors", "journalist", "journalists", "individual", "individuals",
    "man", "men", "protester", "protesters", "demonstrator", "demonstrators", "refugee", "refugees",
    "worker", "workers", "shepherd", "shepherds", "inhabitant", "inhabitants", "victim", "victims", "others",
} | CHILD_WORDS | WOMEN_WORDS  # fmt: skip
PLANNED_CUES = {"will", "plan", "threaten", "vow", "intend", "prepare", "aim", "shall", "going", "goal", "want", "seek", "hope", "pledge", "promise", "objective", "intention", "threat"}  # fmt: skip
HYPOTHETICAL_CUES = {"if", "would", "could", "might", "may", "unless", "whether", "possible", "possibly"}
NEGATIONS = {"not", "no", "never", "n't", "without", "deny", "denied", "denies"}
METHOD_CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        "chemical",
        re.compile(r"\b(chemical|sarin|chlorine|mustard gas|nerve agent|toxic gas|poison(ous)? gas)\b"),
    ),
    ("suicide bombing", re.compile(r"\b(suicide|blew (him|her|them)sel(f|ves) up)\b")),
    (
        "air strike",
        re.compile(
            r"\b(air ?strikes?|air raids?|warplanes?|jets?|aircraft|helicopters?|drones?|barrel bombs?|aerial)\b"
        ),
    ),
    (
        "shelling",
        re.compile(r"\b(shell(s|ing|ed)?|artillery|mortars?|rockets?|missiles?|howitzers?|projectiles?)\b"),
    ),
    (
        "explosive device",
        re.compile(
            r"\b(ied|roadside bomb|landmines?|car bomb|explosive device|booby|grenades?|bomb (exploded|went off)|blast|explosion)\b"
        ),
    ),
    ("execution", re.compile(r"\b(execut(ed|ion|ions)|behead(ed|ing)?)\b")),
    (
        "shooting",
        re.compile(
            r"\b(shot|shoot(ing|s)?|gunfire|gunmen|sniper|opened fire|gun ?battle|clash(es|ed)?|firefight)\b"
        ),
    ),
]
CUMULATIVE = re.compile(
    r"\b(since (the )?(start|beginning|war|conflict|uprising|20\d\d|19\d\d)|since\b[^.]{0,60}\b(began|started|launched)"
    r"|the (civil )?war|the conflict|so far|in total|overall|altogether|a total of)\b"
)
TERRITORY = ("Government regains territory", "Non-state actor overtakes territory")
PROTEST_TYPES = ("Peaceful protest", "Protest with intervention", "Excessive force against protesters")
CIVILIAN_TARGET_TYPES = ("Attack", "Sexual violence", "Abduction/forced disappearance")
ARMED_TYPES = {
    "State Forces",
    "Rebel Groups",
    "Political Militias",
    "Identity Militias",
    "External/Other Forces",
}
SOURCE_KINDS = {"media", "monitor", "agency"}
# Words inside a statement that point back to its speaker: "the army said it killed",
# "IS said its fighters ...", "our goal is to liberate Raqqa".
BACK_REFERENCES = {
    "it",
    "its",
    "they",
    "their",
    "them",
    "we",
    "our",
    "us",
    "itself",
    "themselves",
    "ourselves",
}
# Cue verbs whose noun-phrase content is the speaker's own act: "IS claimed the attack",
# "Russia denied the air strikes".
OWN_ACT_CUES = {"claim", "deny", "admit"}
DEMONSTRATIVES = {"this", "that", "these", "those", "such"}
DEFINITE = {"the", "this", "that", "these", "those", "its", "their"}
RELATIVE_WORDS = {"which", "who", "whom", "that", "where", "whose"}
# prepositions whose object is another event than the one the sentence goes on about
LATER_EVENT_PREPS = {"after", "before", "following", "since", "amid", "despite", "like", "unlike", "besides"}
VIOLENT_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians")
ROLES_FILE = os.path.join(os.path.dirname(__file__), "data", "event_roles.yaml")


@dataclass(frozen=True)
class RoleWords:
    """The words of ``data/event_roles.yaml``: how an actor stands towards an event."""

    support_nouns: frozenset[str]
    support_verbs: frozenset[str]
    reciprocal_triggers: frozenset[str]
    ally_prepositions: frozenset[tuple[str, ...]]
    ally_nouns: frozenset[str]
    member_nouns: frozenset[str]
    affiliation_words: frozenset[str]
    objective_nouns: frozenset[str]
    control_verbs: frozenset[str]
    plan_nouns: frozenset[str]
    definite_event_nouns: frozenset[str]
    victim_nouns: frozenset[str]


def load_roles(path: str = ROLES_FILE) -> RoleWords:
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    keys = [k for k in RoleWords.__dataclass_fields__]
    missing = [k for k in keys if not isinstance(data.get(k), list) or not data[k]]
    if missing:
        raise ValueError(f"{path}: missing or empty lists {missing}")
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise ValueError(f"{path}: unknown keys {unknown}")
    for k in keys:
        bad = [w for w in data[k] if not isinstance(w, str) or not w.strip() or w != w.lower()]
        if bad:
            raise ValueError(f"{path}: {k}: entries must be lower-case words, not {bad}")
    words = {k: frozenset(w.strip() for w in data[k]) for k in keys}
    return RoleWords(
        support_nouns=words["support_nouns"],
        support_verbs=words["support_verbs"],
        reciprocal_triggers=words["reciprocal_triggers"],
        ally_prepositions=frozenset(tuple(w.split()) for w in words["ally_prepositions"]),
        ally_nouns=words["ally_nouns"],
        member_nouns=words["member_nouns"],
        affiliation_words=words["affiliation_words"],
        objective_nouns=words["objective_nouns"],
        control_verbs=words["control_verbs"],
        plan_nouns=words["plan_nouns"],
        definite_event_nouns=words["definite_event_nouns"],
        victim_nouns=words["victim_nouns"],
    )


@functools.cache
def role_words() -> RoleWords:
    return load_roles()


@dataclass
class ActorSpan:
    start: int
    end: int
    ref: ActorRef
    kind: str | None  # armed | state | agency | monitor | media | political | group | None
    pointer: bool = False  # a word pointing back to a statement's speaker ("it", "our")


@dataclass
class Candidate:
    sent: Any  # spaCy Span
    index: int  # sentence index
    scores: Any  # trigger scores (numpy)
    probs: dict[str, float]
    sub_type: str
    full: bool = False  # typed by the full model
    figures: list[Figure] = field(default_factory=list)


def _parse(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso[:10]) if iso else None
    except ValueError:
        return None


class EventsStage:
    """Sets ``article.events`` (see the module's docstring)."""

    name = "events"
    needs = ("doc", "dates", "places", "actors", "figures")
    sets = ("events",)

    def __init__(self, classifier: EventClassifier | None = None, embed_headline: bool = True) -> None:
        self.clf = classifier or load_classifier()
        self.lex = lexicon()
        self.actor_data = actor_file()
        self.roles = role_words()
        self.cues = load_cues()
        self.embed_headline = embed_headline and self.clf.uses_embeddings

    # -- the stage ---------------------------------------------------------------------------
    def __call__(self, article: Article) -> Article:
        doc = article._doc
        if doc is None or not article.text.strip():
            return article
        article.events = self.events(article, doc)
        return article

    def events(self, article: Article, doc: Any) -> list[Event]:
        sents = list(doc.sents)
        if not sents:
            return []
        forms = [text_forms(s) for s in sents]
        scores = [self.lex.scores(w, lm) for w, lm in forms]
        strong = [self._strong(f) for f in forms]
        cand_idx = [
            i
            for i, s in enumerate(scores)
            if strong[i]
            and s.max() >= MIN_TRIGGER
            and not self._negated(sents[i], s)
            and not self._about_reports(sents[i], s)
        ]
        probs = self.clf.predict_lex([forms[i] for i in cand_idx]) if cand_idx else []
        cands = []
        for i, p in zip(cand_idx, probs, strict=True):
            sub = max(p, key=p.get)  # type: ignore[arg-type]
            if sub == NO_EVENT:
                continue
            cands.append(Candidate(sents[i], i, scores[i], p, sub))
        head = self._headline_candidate(cands, sents, scores, forms)
        if head is None and not cands:
            return []
        if head is not None and head not in cands:
            cands.append(head)
            cands.sort(key=lambda c: c.index)
        if head is not None and self.embed_headline:
            window = self._window(sents, head.index)
            text = " ".join(s.text for s in window)
            wf = (
                [w for f in forms[head.index : head.index + len(window)] for w in f[0]],
                [w for f in forms[head.index : head.index + len(window)] for w in f[1]],
            )
            head.probs = self.clf.predict([text], [wf])[0]
            ranked = sorted(head.probs, key=head.probs.get, reverse=True)  # type: ignore[arg-type]
            # the window has triggers: it reports something, take the likeliest event type
            head.sub_type = ranked[0] if ranked[0] != NO_EVENT else ranked[1]
            head.full = True
        ctx = _Context(article, doc, self)
        cands = self._with_relative_clauses(cands, ctx)
        events: list[Event] = []
        lead: set[int] = set()  # id() of the event built from the headline candidate
        for c in cands:
            ev = ctx.build(c)
            if ev is not None:
                if c is head:
                    lead.add(id(ev))
                events.append(ev)
        ctx.attach_orphan_figures(events, sents, cand_idx)
        ctx.infer_missing_actors(events)
        ctx.infer_missing_targets(events)
        # a title repeats what the body reports: body mentions lead the merge, so the body's
        # fuller arguments stand and the title becomes one more mention
        title_end = _title_end(article)
        in_title = [e for e in events if e.evidence.end <= title_end]
        events = _merge([e for e in events if e.evidence.end > title_end] + in_title, lead)
        events.sort(key=lambda e: min(m.start for m in e.mentions) if e.mentions else e.evidence.start)
        events = ctx.fold_references(events, lead)
        _choose_headline(events, article, lead)
        for k, ev in enumerate(events, 1):
            ev.id = f"e{k}"
        return events

    def _with_relative_clauses(self, cands: list[Candidate], ctx: _Context) -> list[Candidate]:
        """A relative clause set off by a comma, with a trigger and a date of its own ("the
        hospital of Idlib, which was bombed by government warplanes on Tuesday, was
        evacuated"), reports an event of its own: a candidate over the clause and the noun it
        hangs on. Its date and figures are its own, not the sentence's."""
        out: list[Candidate] = []
        for c in cands:
            out.append(c)
            for tok in c.sent:
                if tok.dep_ != "relcl" or tok.pos_ not in ("VERB", "AUX"):
                    continue
                first = tok.left_edge
                if first.lower_ not in RELATIVE_WORDS or first.i == 0 or first.nbor(-1).text != ",":
                    continue
                if first.i <= c.sent.start or tok.right_edge.i >= c.sent.end:
                    continue
                clause = c.sent.doc[first.i : tok.right_edge.i + 1]
                if not any(
                    d.char_start is not None and clause.start_char <= d.char_start < clause.end_char
                    for d in ctx.event_dates
                ):
                    continue  # no date of its own: it describes, it does not report
                form = text_forms(clause)
                sc = self.lex.scores(*form)
                if not self._strong(form) or sc.max() < MIN_TRIGGER or self._negated(clause, sc):
                    continue
                p = self.clf.predict_lex([form])[0]
                sub = max(p, key=p.get)  # type: ignore[arg-type]
                if sub == NO_EVENT:
                    continue
                head = tok.head
                span = c.sent.doc[min(head.left_edge.i, first.i) : tok.right_edge.i + 1]
                ctx.clauses.append((clause.start_char, clause.end_char))
                out.append(Candidate(span, c.index, sc, p, sub))
        return out

    def _strong(self, form: tuple[list[str], list[str]]) -> bool:
        """A sentence reports an event only with one strong trigger (weight >= 2) or
        several weaker ones: "shops" or "fire" alone are not enough."""
        weights = [w for _, w, _, _ in self.lex.matches(*form)]
        return bool(weights) and (max(weights) >= STRONG_TRIGGER or sum(weights) >= 2 * STRONG_TRIGGER)

    def _negated(self, sent: Any, scores: Any) -> bool:
        """A sentence whose only triggers are negated reports no event ("There is no
        agreement", "did not attack")."""
        sub = LABELS[int(scores.argmax())]
        tok = trigger_token(sent, sub, self.lex)
        if tok is None:
            return False
        for t in (tok, tok.head):
            if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in t.children):
                return True
        return False

    def _about_reports(self, sent: Any, scores: Any) -> bool:
        """A sentence about reports, not about an event: its trigger lies inside a claim
        noun the sentence points back to or judges ("These reports of a possible stop of the
        offensive turned out to be fake news", "Russia spreads false reports about the fight
        against ISIS"). "Reports of shelling in Idlib" still reports shelling."""
        tok = trigger_token(sent, LABELS[int(scores.argmax())], self.lex)
        if tok is None:
            return False
        cues = self.cues
        verdicts = cues.verdict_refutes | cues.verdict_supports
        for anc in list(tok.ancestors)[:8]:
            if anc.pos_ != "NOUN" or anc.lemma_.lower() not in cues.claim_nouns:
                continue
            if any(c.dep_ in ("det", "predet") and c.lower_ in DEMONSTRATIVES for c in anc.children):
                return True  # "these reports", "such claims": the reports told before
            if any(c.lower_ in verdicts for c in anc.children if c.dep_ in ("amod", "compound")):
                return True  # "false reports about ..."
            verb = anc.head
            if anc.dep_ in ("nsubj", "nsubjpass") and any(
                t.lower_ in verdicts for t in verb.subtree if t not in anc.subtree
            ):
                return True  # "reports of ... turned out to be fake"
        return False

    def _headline_candidate(
        self,
        cands: list[Candidate],
        sents: list[Any],
        scores: list[Any],
        forms: list[tuple[list[str], list[str]]],
    ) -> Candidate | None:
        """The candidate the article leads with: the first strong one among the first
        sentences; without candidates, the lead itself when the model is confident."""
        best, best_score = None, -1.0
        for c in cands:
            pos_bonus = 2.0 if c.index == 0 else 1.2 if c.index <= 2 else 0.5 if c.index <= 5 else 0.0
            s = float(c.scores.max()) ** 0.5 + pos_bonus + 0.3 * max(c.probs.values())
            if s > best_score:
                best, best_score = c, s
        if best is not None or not self.embed_headline:
            return best
        window = self._window(sents, 0)
        text = " ".join(s.text for s in window)
        wf = (
            [w for f in forms[: len(window)] for w in f[0]],
            [w for f in forms[: len(window)] for w in f[1]],
        )
        p = self.clf.predict([text], [wf])[0]
        sub = max(p, key=p.get)  # type: ignore[arg-type]
        if sub == NO_EVENT or p[sub] < LEAD_CONFIDENCE or self._negated(sents[0], scores[0]):
            return None
        return Candidate(sents[0], 0, scores[0], p, sub, full=True)

    @staticmethod
    def _window(sents: list[Any], i: int) -> list[Any]:
        out, n = [sents[i]], len(sents[i])
        for s in sents[i + 1 : i + 3]:
            if n + len(s) > WINDOW_TOKENS or "\n\n" in s.doc.text[out[-1].end_char : s.start_char + 1]:
                break
            out.append(s)
            n += len(s)
        return out


def trigger_token(sent: Any, sub_type: str, lex: Any = None) -> Any:
    """The token of ``sent`` that carries the strongest trigger of ``sub_type`` (the
    syntactic head of the matched phrase), else the sentence root."""
    lex = lex or lexicon()
    if sub_type not in lex.types:
        return sent.root
    k = LABELS.index(sub_type)
    words, lemmas = text_forms(sent)
    best = None
    for label, weight, s, e in lex.matches(words, lemmas):
        if label == k and (best is None or weight > best[0]):
            best = (weight, s, e)
    if best is None:
        return sent.root
    toks = [sent[i] for i in range(best[1], best[2])]
    return min(toks, key=lambda t: len(list(t.ancestors)))


class _Context:
    """What building events of one article needs: the actor spans, dates, figures."""

    def __init__(self, article: Article, doc: Any, stage: EventsStage) -> None:
        self.article = article
        self.doc = doc
        self.stage = stage
        data = stage.actor_data
        self.home = _home_country(article)
        self.actor_spans: list[ActorSpan] = []
        for a in article.actors:
            entry = data.entries.get(a.id) if a.id else None
            kind = entry.kind if entry else ("group" if a.id else None)
            for m in a.mentions:
                self.actor_spans.append(ActorSpan(m.start, m.end, ActorRef(a.id, a.name, a.type), kind))
        self.actor_spans.sort(key=lambda x: x.start)
        self.statements = article_statements(article, stage.cues)
        self.alliances: set[frozenset[str]] = set()  # actors named on one side of an event
        self.inferred: set[int] = set()  # id() of events whose actor1 the sentence does not name
        self.references: set[int] = set()  # id() of events told as "the attack", "the dead"
        self.clauses: list[tuple[int, int]] = []  # relative clauses reporting an event of their own
        self.published = _parse(article.published)
        self.dates = article._dates
        if self.published is None:
            # no publication date: the first calendar date of the article's opening stands in
            # for it (datelines such as "Posted on July 12 2016"), and relative expressions
            # are resolved against it
            first = next(
                (d for d in article._dates if d.precision == "day" and (d.char_start or 0) < 400 and d.start),
                None,
            )
            if first is not None:
                from .timex import find_dates

                self.published = _parse(first.start)
                self.dates = find_dates(article.text, self.published)
        self.dateline_place = _dateline_place(article)
        # the stamp dates the article, not what it reports: "Wed 05 Apr 2017 Syria attack
        # symptoms consistent with nerve agent" is about Tuesday's attack; so do a dateline's
        # date ("DAMASCUS, Syria (Jan 5, 2016) - ... on Sunday") and the stamp glued after a
        # title ("... Monitor AFP Friday 15 Jul 2016 ... yesterday")
        stamps = report_dates(article.text, self.dates, self.published)
        self.event_dates = [d for d in self.dates if not any(d is x for x in stamps)]
        # sentences about the past ("the rebels had used the same weapons in Aleppo last
        # year"): the places they name are not where today's events are
        past = [d.char_start for d in self.dates if d.char_start is not None and self._background(d)]
        self.past_sentences = [
            (s.start_char, s.end_char) for s in doc.sents if any(s.start_char <= c < s.end_char for c in past)
        ]

    # -- one candidate -> one event -----------------------------------------------------------
    def fold_references(self, events: list[Event], lead: set[int]) -> list[Event]:
        """A sentence that goes on about the event before it - "The attack also wounded 30
        people", "The strikes destroyed most of the aid", "Among the dead were five children"
        - is one more mention of that event, not an event of its own (whatever type its other
        words suggest), when place and date fit."""
        out: list[Event] = []
        for ev in events:
            if id(ev) not in self.references or len(ev.mentions) != 1 or ev.background:
                out.append(ev)
                continue
            # the nearest event before it of the same kind ("the explosion" after a suicide
            # bombing, not after the executions the sentence before mentions), else the
            # nearest violent one: the nouns name attacks
            before = [
                e
                for e in out
                if not e.background and e.evidence.start < ev.evidence.start and _places_agree(e, ev)
                and _same_date(e.date, ev.date)
            ]  # fmt: skip
            same = [e for e in before if e.event_type == ev.event_type]
            violent = [e for e in before if e.event_type in VIOLENT_TYPES]
            prior: Event | None = (same or violent)[-1] if same or violent else None
            if prior is None:
                out.append(ev)
                continue
            _fold(prior, ev, lead, day_only=True)
        return out

    def _refers_back(self, sent: Any, trig: Any) -> bool:
        """Whether the sentence goes on about an event already told: the subject of its main
        clause, or of the clause its trigger is in ("Activists said the strikes killed 40"), is
        a definite event noun ("The attack", "The strikes") or those it hit ("The dead",
        "Among the victims were ..."), and the trigger lies in that clause ("The strikes came as
        a car bomb wounded 37 people" tells of a new event)."""
        clause = next((t for t in (trig, *trig.ancestors) if t.pos_ in ("VERB", "AUX")), None)
        first = next((t for t in sent if not t.is_punct and not t.is_space), None)
        if first is not None and first.lower_ == "among" and self._within(trig, sent.root):
            return True  # "Among the dead were five children"
        for verb in dict.fromkeys(v for v in (clause, sent.root) if v is not None):
            if self._definite_subject(verb) and self._within(trig, verb):
                return True
        return False

    def _definite_subject(self, verb: Any) -> bool:
        roles = self.stage.roles
        for subj in verb.children:
            if subj.dep_ not in ("nsubj", "nsubjpass", "attr", "expl"):
                continue
            if not any(c.dep_ in ("det", "poss") and c.lower_ in DEFINITE for c in subj.children):
                continue
            words = {subj.lemma_.lower(), subj.lower_}
            if words & roles.definite_event_nouns or words & roles.victim_nouns:
                return True
        return False

    @staticmethod
    def _within(trig: Any, verb: Any) -> bool:
        """Whether the trigger belongs to the clause of ``verb``, not to a clause of its own
        under it ("... came as a car bomb wounded", "... after an air strike on Monday")."""
        t = trig
        while t.i != verb.i:
            if t.head.i == t.i:
                return False  # not under ``verb`` at all
            if t.dep_ in ("advcl", "ccomp", "relcl", "csubj", "parataxis"):
                return False
            if t.dep_ == "conj" and any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
                return False  # "... and rebels shelled Aleppo": a clause of its own
            if t.dep_ == "pobj" and (
                t.head.lower_ in LATER_EVENT_PREPS
                or t.head.lower_ == "to"
                and t.head.head.lower_ == "addition"
            ):
                return False  # "The attack comes a day after an air strike", "in addition to separate raids"
            t = t.head
        return True

    def build(self, c: Candidate) -> Event | None:
        sent = c.sent
        sub = c.sub_type
        etype = SUB_EVENT_TYPES[sub]
        trig = trigger_token(sent, sub, self.stage.lex)
        modality = _modality(sent, trig)
        actor1, actor2 = self._actors(sent, trig, sub)
        figs = [
            f
            for f in self.article.figures
            if f.start is not None and sent.start_char <= f.start < sent.end_char and self._own(f.start, trig)
        ]
        fat, injured, displaced = _casualties(self.doc, figs)
        if sub in TERRITORY and actor1 is not None and actor1.type:
            sub = (
                "Government regains territory"
                if actor1.type == "State Forces"
                else "Non-state actor overtakes territory"
            )
            if actor1.type == "External/Other Forces":
                sub = c.sub_type
        if actor2 is None and (
            sub in CIVILIAN_TARGET_TYPES or (fat.civilians and not fat.combatants and etype != "Battles")
        ):
            actor2 = self._group("civilians")
        if sub == "Displacement" and actor1 is None:
            actor1 = self._group("civilians")
        if sub == "Agreement" and actor1 is None:
            actor1, actor2 = actor2, None  # "an agreement with ISIS": ISIS is a party
        if sub in PROTEST_TYPES or etype == "Riots":
            protesters = self._group("protesters" if etype == "Protests" else "rioters")
            if actor1 is None or actor1.type not in ("Protesters", "Rioters"):
                actor2 = (
                    actor1
                    if sub != "Peaceful protest" and actor1 is not None and actor1.type in ARMED_TYPES
                    else actor2
                )
                actor1 = protesters
        date = self._date(sent, trig)
        location, origin = self._location(sent, sub)
        method = _method(sub, sent.text.lower(), self.stage.lex)
        conf = c.probs.get(c.sub_type, 0.5)
        if modality != "asserted":
            conf *= 0.6
        ev = Event(
            id="",
            event_type=SUB_EVENT_TYPES[sub],
            sub_event_type=sub,
            evidence=Span.of(sent.doc.text, sent.start_char, sent.end_char),
            method=method,
            date=date,
            location=location,
            origin=origin,
            actor1=actor1,
            actor2=actor2,
            fatalities=fat,
            injured=injured,
            displaced=displaced,
            modality=modality,
            confidence=round(float(conf), 3),
            mentions=[Span.of(sent.doc.text, sent.start_char, sent.end_char)],
            background=self._background(date),
        )
        if self._refers_back(sent, trig):
            self.references.add(id(ev))
        return ev

    def _group(self, group: str) -> ActorRef | None:
        return generic_actor(self.stage.actor_data, group, self.home, self.home)

    def _actors(self, sent: Any, trig: Any, sub: str) -> tuple[ActorRef | None, ActorRef | None]:
        spans = [a for a in self.actor_spans if sent.start_char <= a.start < sent.end_char]
        around = self._statements_at(trig.idx)
        forced: list[ActorSpan] = []
        if around and sub != "Attribution of responsibility":
            # who speaks is not who acts: the speakers' own names are no argument of what they
            # say ("Lavrov said the reports indicate that ..."), but the words in the innermost
            # statement that point back to its speaker are ("the army said it killed", "our
            # goal is to liberate"), and so is the unsaid subject of "IS vowed to retake the
            # town" or "IS claimed the attack"
            for st in around:
                assert st.claimant is not None
                c0, c1 = st.claimant
                spans = [a for a in spans if not (c0 <= a.start and a.end <= c1)]
            speakers = [(st, sp) for st in around if (sp := self._speaker(st)) is not None]
            if speakers:
                inner, speaker = speakers[0]
                spans += self._pointers(inner, sent, speaker)
                if speaker.kind not in SOURCE_KINDS and self._speaker_acts(inner, trig):
                    forced.append(speaker)
        if not spans and not forced:
            return None, None
        agents: list[ActorSpan] = list(forced)
        subjects: list[ActorSpan] = []  # subjects of other clauses
        patients: list[ActorSpan] = []
        allies: list[ActorSpan] = []
        others: list[ActorSpan] = []
        for a in spans:
            if a.kind in SOURCE_KINDS and SUB_EVENT_TYPES.get(sub) != "Other events":
                continue  # a monitor or a news agency reports, it does not fight
            role = _role(self.doc, a, trig, self.stage.roles)
            if a.pointer and role not in ("agent", "patient", "ally"):  # not "subject"
                continue
            if a.pointer and role == "agent" and self._copular(a):
                continue  # "said it was a chemical attack": "it" is the attack, not the speaker
            if a.pointer and role == "agent" and self._far(a, trig):
                continue  # "said it had begun investigating the use of chemical weapons"
            if role == "other":
                continue
            bucket = {"agent": agents, "subject": subjects, "patient": patients, "ally": allies}.get(
                role or "", others
            )
            bucket.append(a)

        if (
            len(agents) > 1
            and trig.lemma_.lower() not in self.stage.roles.reciprocal_triggers
            and sub not in ("Agreement", "Diplomatic event")
        ):
            # "an offensive by the army and Hezbollah": actors joined by "and" act together
            lead = agents[0]
            for x in agents[1:]:
                if x.ref.name != lead.ref.name and self._conjoined(lead, x):
                    agents.remove(x)
                    allies.append(x)

        def armed(xs: list[ActorSpan]) -> list[ActorSpan]:
            return [x for x in xs if x.ref.type in ARMED_TYPES or x.kind == "armed"]

        def known(xs: list[ActorSpan]) -> list[ActorSpan]:
            return [x for x in xs if x.ref.id]

        # organisations nobody knows (often spaCy's misreadings) only count as subjects; an
        # ally is the perpetrator only when the sentence names nobody else
        first = (
            armed(agents)
            or armed(subjects)
            or armed(others)
            or known(agents)
            or agents
            or subjects
            or armed(allies)
        )
        a1 = first[0] if first else None
        ally_names = {x.ref.name for x in allies}
        # the target: who is acted on, else an armed group or civilians the sentence names;
        # never an ally, never a name without a role that nobody knows
        civilians = [x for x in others if x.ref.type == "Civilians"]
        vague = [x for x in others + agents if (x.ref.id or "").startswith("unidentified-armed-group")]
        rest = [
            x
            for x in known(patients)
            + armed(agents)
            + armed(others)
            + civilians
            + vague
            + armed(subjects)
            + [p for p in patients if not p.ref.id]
            if x is not a1
            and (a1 is None or x.ref.name != a1.ref.name and not self._one_phrase(a1, x))
            and (x.ref.name not in ally_names or x in patients)
        ]
        a2 = rest[0] if rest else None
        if a1 is not None and a1.ref.type == "Civilians" and a2 is not None and a2.ref.type in ARMED_TYPES:
            a1, a2 = a2, a1  # civilians are hit, not hitting
        if a1 is not None:
            for x in allies:
                if x.ref.name != a1.ref.name:
                    self.alliances.add(frozenset((a1.ref.name, x.ref.name)))
        return (a1.ref if a1 else None), (a2.ref if a2 else None)

    def _silent(self, start: int, end: int) -> bool:
        """A mention that names no one acting: a speaker ("a rebel spokesman said"), or a
        patron in "US allies", "Iran's proxies"."""
        if any(st.claimant[0] <= start and end <= st.claimant[1] for st in self.statements if st.claimant):
            return True
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        head = span_head(span)
        return head.dep_ in ("compound", "amod", "poss", "nmod") and (
            head.head.lemma_.lower() in self.stage.roles.ally_nouns
        )

    def _one_phrase(self, a: ActorSpan, b: ActorSpan) -> bool:
        """Whether one actor lies in the other's noun phrase as a modifier, a member or an
        affiliation ("terrorist groups affiliated to al-Nusra", "fighters of the Islamic
        State"): one party, named twice. "The coalition against ISIS" holds two parties."""
        heads = []
        for x in (a, b):
            span = self.doc.char_span(x.start, x.end, alignment_mode="expand")
            if span is None:
                return False
            heads.append(span_head(span))
        ties = self.stage.roles.affiliation_words
        for inner, outer in ((heads[0], heads[1]), (heads[1], heads[0])):
            t = inner
            for _ in range(6):
                if t.i == outer.i:
                    return True
                if t.dep_ in ("compound", "amod", "nmod", "appos", "poss") or (
                    t.dep_ == "acl" and t.lemma_.lower() in ties
                ):
                    t = t.head
                elif t.dep_ == "pobj" and (
                    t.head.lower_ in ("of", "from")
                    or t.head.lower_ in ("to", "with")
                    and t.head.head.lemma_.lower() in ties
                ):
                    t = t.head.head
                    if t.lemma_.lower() in ties and any(
                        c.i == outer.i for c in t.children if c.dep_ == "nsubj"
                    ):
                        return True  # "terrorists affiliated with al-Nusra" parsed as a clause
                else:
                    break
        return False

    def _conjoined(self, a: ActorSpan, b: ActorSpan) -> bool:
        """Whether two actors are conjuncts of one phrase ("the army and Hezbollah",
        "Russian and Syrian regime jets")."""

        def root(x: ActorSpan) -> Any:
            span = self.doc.char_span(x.start, x.end, alignment_mode="expand")
            if span is None:
                return None
            t = span_head(span)
            while t.dep_ in ("conj", "appos") and t.head.i != t.i:
                t = t.head
            return t

        ra, rb = root(a), root(b)
        return ra is not None and rb is not None and ra.i == rb.i

    # -- statements: who speaks is not who acts ---------------------------------------------
    def _statements_at(self, pos: int) -> list[Statement]:
        """The attributed statements whose content holds ``pos``, innermost first."""
        found = []
        for st in self.statements:
            if st.claimant is None:
                continue
            sizes = [s1 - s0 for s0, s1 in st.parts or [st.content] if s0 <= pos < s1]
            if sizes:
                found.append((min(sizes), st))
        return [st for _, st in sorted(found, key=lambda x: x[0])]

    def _speaker(self, st: Statement) -> ActorSpan | None:
        """The actor a statement's speaker is, or speaks for."""
        assert st.claimant is not None
        actor = (actor_in(self.article, st.org, st.org_head) if st.org is not None else None) or actor_in(
            self.article, st.claimant
        )
        if actor is None:
            return None
        entry = self.stage.actor_data.entries.get(actor.id) if actor.id else None
        kind = entry.kind if entry else ("group" if actor.id else None)
        c0, c1 = st.claimant
        return ActorSpan(c0, c1, ActorRef(actor.id, actor.name, actor.type), kind)

    def _pointers(self, st: Statement, sent: Any, speaker: ActorSpan) -> list[ActorSpan]:
        out = []
        for s0, s1 in st.parts or [st.content]:
            lo, hi = max(s0, sent.start_char), min(s1, sent.end_char)
            if hi <= lo:
                continue
            span = self.doc.char_span(lo, hi, alignment_mode="expand")
            for t in span if span is not None else ():
                if t.lower_ in BACK_REFERENCES and t.pos_ == "PRON":
                    out.append(ActorSpan(t.idx, t.idx + len(t), speaker.ref, speaker.kind, pointer=True))
        return out

    def _far(self, a: ActorSpan, trig: Any) -> bool:
        """A word pointing back to the speaker acts when it is the subject or possessor of
        the trigger or of the verb governing it ("it killed", "its fighters killed", "it
        launched air strikes"), or owns an aim ("our goal is to ..."), not from further away
        ("it had begun investigating the use of chemical weapons")."""
        span = self.doc.char_span(a.start, a.end, alignment_mode="expand")
        if span is None or not len(span):
            return True
        tok = span[0]
        if tok.dep_ == "poss" and tok.head.lemma_.lower() in self.stage.roles.plan_nouns:
            return False
        up = [tok.i, *(t.i for t in tok.ancestors)]
        down = [trig.i, *(t.i for t in trig.ancestors)]
        common = next((i for i in up if i in down), None)
        return common is None or up.index(common) + down.index(common) > 4

    def _copular(self, a: ActorSpan) -> bool:
        span = self.doc.char_span(a.start, a.end, alignment_mode="expand")
        tok = span[0] if span is not None and len(span) else None
        return tok is not None and tok.dep_ in ("nsubj", "expl") and tok.head.lemma_ == "be"

    def _speaker_acts(self, st: Statement, trig: Any) -> bool:
        """Whether the speaker is the unsaid subject of what it says: "IS vowed to retake
        the town", "the army denied carrying out the raid", "IS claimed the attack"."""
        pieces = st.parts or [st.content]
        if st.speech == "direct" or len(pieces) != 1:
            return False
        span = self.doc.char_span(pieces[0][0], pieces[0][1], alignment_mode="expand")
        if span is None or not len(span):
            return False
        ids = {t.i for t in span}
        roots = [t for t in span if t.head.i not in ids or t.head.i == t.i]
        for r in roots:
            if trig not in r.subtree:
                continue
            if r.pos_ in ("VERB", "AUX") and r.tag_ in ("VB", "VBG", "VBN"):
                # a non-finite clause without a subject of its own; a passive ("was hit by an
                # air strike") has its unsaid subject elsewhere
                if not any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj", "auxpass") for c in r.children):
                    return True
            if r.pos_ in ("NOUN", "PROPN") and st.cue_lemma in OWN_ACT_CUES and r.dep_ in ("dobj", "pobj"):
                return True
        return False

    def _own(self, pos: int, trig: Any) -> bool:
        """Whether what lies at ``pos`` belongs to the event of ``trig``: not when it lies in a
        relative clause that reports an event of its own and ``trig`` lies outside it."""
        return not any(a <= pos < b and not (a <= trig.idx < b) for a, b in self.clauses)

    def _date(self, sent: Any, trig: Any) -> DateInterval | None:
        inside = [
            d
            for d in self.event_dates
            if d.char_start is not None
            and sent.start_char <= d.char_start < sent.end_char
            and self._own(d.char_start, trig)
        ]
        if inside:
            # the expression nearest the trigger; a day beats vaguer expressions ("earlier
            # this month") in the same sentence
            days = [d for d in inside if d.precision == "day"]
            best = min(days or inside, key=lambda d: abs((d.char_start or 0) - trig.idx))
            return DateInterval(
                best.start, best.end, best.precision, best.text, best.char_start, best.char_end, best.ongoing
            )
        if self.published is not None:
            day = self.published.isoformat()
            return DateInterval(day, day, "day", "", None, None, False)
        return None

    def _background(self, date: DateInterval | None) -> bool:
        if date is None or self.published is None or not date.text:
            return False
        end = _parse(date.end)
        return end is not None and (self.published - end).days > BACKGROUND_DAYS

    def _location(self, sent: Any, sub: str) -> tuple[Place | None, Place | None]:
        loc = locate(self.article, sent.start_char, sent.end_char)
        origin = None
        if sub == "Displacement":
            # where people went ("to Ain Issa"), where they fled from ("from Raqqa"; else
            # the place they are in: "the conditions in Raqqa")
            to, frm, at = None, None, None
            for p in self.article.places:
                if p.start is None or not (sent.start_char <= p.start < sent.end_char) or p.lat is None:
                    continue
                tok = self.doc.char_span(p.start, p.end, alignment_mode="expand")
                head = span_head(tok) if tok is not None else None
                prep = head.head.lower_ if head is not None and head.dep_ == "pobj" else ""
                if prep in ("to", "into", "towards", "toward") and to is None:
                    to = p
                elif prep in ("from", "out") and frm is None:
                    frm = p
                elif prep in ("in", "inside", "within") and at is None and p.feature != "country":
                    at = p
            if to is not None:
                loc = to
                frm = frm or at
            origin = frm if frm is not None and frm is not loc else None
        if loc is None or loc.feature == "country":
            # only a country (or nothing) in the sentence: the article's own place, when it
            # lies in that country, says more ("an air strike in Syria" in a report from Idlib)
            alt = self._nearby_place(
                sent, loc.country if loc is not None and loc.country == self.home else self.home
            )
            if alt is not None and (loc is None or alt.country == loc.country or loc.country != self.home):
                loc = Place.from_dict(alt.to_dict())
                if loc is not None and (loc.geo_precision or 1) < 2:
                    loc.geo_precision = 2  # ACLED: the place is near or part of the event's area
        return loc, origin

    def _nearby_place(self, sent: Any, country: str | None = None) -> Place | None:
        """No specific place in the sentence: the dateline's place, else the place the
        article names most (not a country; in ``country`` when given; not counting the
        sentences about the past)."""
        if self.dateline_place is not None and self.dateline_place.feature != "country":
            if country is None or self.dateline_place.country == country:
                return self.dateline_place
        counts: dict[str, int] = {}
        first: dict[str, Place] = {}
        for p in self.article.places:
            if p.lat is None or p.feature == "country" or (country and p.country != country):
                continue
            if p.feature_code in METONYMS:
                continue  # "White House spokesman": who speaks, not where anything happened
            if p.start is not None and any(a <= p.start < b for a, b in self.past_sentences):
                continue
            key = str(p.geonameid or p.name)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, p)
        if counts:
            return first[max(counts, key=lambda k: counts[k])]
        return None

    def infer_missing_actors(self, events: list[Event]) -> None:
        """Violent events whose sentence names no perpetrator get the article's main
        perpetrator (the actor most often in that role in the article), when its kind fits
        (air and chemical attacks need a state's forces)."""
        counts: dict[str, int] = {}
        refs: dict[str, ActorRef] = {}
        for e in events:
            if e.actor1 is not None and e.actor1.type in ARMED_TYPES:
                counts[e.actor1.name] = counts.get(e.actor1.name, 0) + 2
                refs[e.actor1.name] = e.actor1
        # an actor the article names more often as a target than as a perpetrator is not
        # its main perpetrator, whatever its mentions
        hit: dict[str, int] = {}
        for e in events:
            if e.actor2 is not None:
                hit[e.actor2.name] = hit.get(e.actor2.name, 0) + 2
        victims = {name for name, n in hit.items() if n > counts.get(name, 0)}
        for a in self.article.actors:
            if a.type in ARMED_TYPES and a.name not in victims:
                acting = [m for m in a.mentions if not self._silent(m.start, m.end)]
                if not acting:
                    continue
                counts[a.name] = counts.get(a.name, 0) + len(acting)
                refs.setdefault(a.name, ActorRef(a.id, a.name, a.type))
        for e in events:
            if e.actor1 is not None or e.event_type not in (
                "Battles",
                "Explosions/Remote violence",
                "Violence against civilians",
            ):
                continue
            allowed = ARMED_TYPES
            if e.sub_event_type in ("Air/drone strike", "Chemical weapon"):
                allowed = {"State Forces", "External/Other Forces"}
            options = [
                (n, c)
                for n, c in counts.items()
                if refs[n].type in allowed and (e.actor2 is None or n != e.actor2.name)
            ]
            if options:
                name = max(options, key=lambda x: x[1])[0]
                e.actor1 = refs[name]
                e.confidence = round(e.confidence * 0.8, 3)
                self.inferred.add(id(e))

    def infer_missing_targets(self, events: list[Event]) -> None:
        """Battles whose sentence names who fights but not whom ("SDF
        units have tried to encircle the city with the support of the US military") get
        that actor's opponent in the article's other events - or the opponent of its allies
        ("the US-backed SDF" against IS) - when the article pairs it with one; else the
        target stays unknown. Never an ally of actor1."""
        allies: dict[str, set[str]] = {}
        for pair in self.alliances:
            x, y = tuple(pair)
            allies.setdefault(x, set()).add(y)
            allies.setdefault(y, set()).add(x)
        data = self.stage.actor_data
        by_id = {a.id: a.name for a in self.article.actors if a.id}
        for a in self.article.actors:
            parent = data.entries[a.id].part_of if a.id and a.id in data.entries else None
            if parent and parent in by_id:  # the YPG is part of the SDF
                allies.setdefault(a.name, set()).add(by_id[parent])
                allies.setdefault(by_id[parent], set()).add(a.name)
        opponents: dict[str, dict[str, int]] = {}
        refs: dict[str, ActorRef] = {}
        for e in events:
            # pairs the article states: both actors named in the sentence, an event that happened
            if (
                e.event_type in ("Battles", "Explosions/Remote violence")
                and id(e) not in self.inferred
                and e.modality == "asserted"
                and e.actor1 is not None
                and e.actor2 is not None
                and e.actor1.type in ARMED_TYPES
                and e.actor2.type in ARMED_TYPES
            ):
                for one, other in ((e.actor1, e.actor2), (e.actor2, e.actor1)):
                    row = opponents.setdefault(one.name, {})
                    row[other.name] = row.get(other.name, 0) + 1
                    refs[other.name] = other
        if not opponents:
            return
        for e in events:
            if e.actor2 is not None or e.actor1 is None or e.actor1.type not in ARMED_TYPES:
                continue
            if id(e) in self.inferred:
                continue  # one guess is enough
            if e.event_type != "Battles":
                continue  # an air strike or a shelling often hits civilians, not the adversary
            me = e.actor1.name
            friends = allies.get(me, set())
            votes: dict[str, int] = {}
            for side in (me, *sorted(friends)):
                for name, n in opponents.get(side, {}).items():
                    if name != me and name not in friends:
                        votes[name] = votes.get(name, 0) + n
            if votes:
                best = max(votes.items(), key=lambda kv: kv[1])
                if sum(1 for v in votes.values() if v == best[1]) == 1:  # no tie to break blindly
                    e.actor2 = refs[best[0]]
                    e.confidence = round(e.confidence * 0.8, 3)

    def attach_orphan_figures(self, events: list[Event], sents: list[Any], cand_idx: list[int]) -> None:
        """Casualty figures in sentences without an event of their own belong to the event
        reported before them (the lead's event when none)."""
        if not events:
            return
        cset = set(cand_idx)
        for i, s in enumerate(sents):
            if i in cset:
                continue
            figs = [
                f
                for f in self.article.figures
                if f.start is not None and s.start_char <= f.start < s.end_char
            ]
            if not figs or CUMULATIVE.search(s.text.lower()):
                continue
            if any(
                d.char_start is not None and s.start_char <= d.char_start < s.end_char and self._background(d)
                for d in self.dates
            ):
                continue  # an earlier event's toll
            fat, injured, displaced = _casualties(self.doc, figs)
            if not any(
                (fat.total, fat.civilians, fat.combatants, fat.children, fat.women, injured, displaced)
            ):
                continue
            before = [e for e in events if e.evidence.start < s.start_char and not e.background]
            target = before[-1] if before else next((e for e in events if not e.background), None)
            if target is None or s.start_char - max(m.end for m in target.mentions) > 600:
                continue
            _add_casualties(target, fat, injured, displaced, fill_only=True)
            target.mentions.append(Span(s.text, s.start_char, s.end_char))


def publication_stamp(text: str, dates: list[DateInterval]) -> DateInterval | None:
    """The date expression that stamps the text with its publication day at its very top
    (a full date with its year, after nothing but "Published", "Last updated at", "Date of
    publication" or a weekday), else None. It says when the article appeared; the events it
    reports are dated by their own words or, failing them, by the publication day."""
    for d in dates:
        if d.char_start is None or d.char_start > STAMP_CHARS or d.precision != "day":
            continue
        if YEAR.search(d.text) and STAMP_PREFIX.match(text[: d.char_start]):
            return d
    return None


def report_dates(text: str, dates: list[DateInterval], published: dt.date | None) -> list[DateInterval]:
    """The date expressions that date the report rather than what it tells: the publication
    stamp at the top (``publication_stamp``), the date of a dateline opening a paragraph
    ("DAMASCUS, Syria (Jan 5, 2016) -"), and the publication day printed in full in the
    opening with no word of the sentence leading to it ("... Monitor AFP Friday 15 Jul 2016
    At least 11 civilians were killed yesterday")."""
    out = []
    stamp = publication_stamp(text, dates)
    if stamp is not None:
        out.append(stamp)
    for d in dates:
        if d is stamp or d.char_start is None:
            continue
        para = text.rfind("\n", 0, d.char_start) + 1
        line = dateline_at(text, para)
        if line is not None and line[0] <= d.char_start < line[1]:
            out.append(d)  # the dateline's date
            continue
        if (
            published is not None
            and d.char_start < OPENING_CHARS
            and d.precision == "day"
            and d.start == published.isoformat()
            and YEAR.search(d.text)
            and not STAMP_BEFORE.search(text[max(0, d.char_start - 12) : d.char_start])
        ):
            out.append(d)
    return out


def _home_country(article: Article) -> str | None:
    votes: dict[str, int] = {}
    for p in article.places:
        if p.country:
            votes[p.country] = votes.get(p.country, 0) + 1
    if votes:
        return max(votes, key=votes.get)  # type: ignore[arg-type]
    for a in article.actors:  # the actors stage settled on a country for generic words
        if a.id and a.id.startswith(("civilians-", "rebels-", "protesters-")) and a.country:
            return a.country
    return None


def _dateline_place(article: Article) -> Place | None:
    dl = article.dateline if isinstance(article.dateline, dict) else None
    place = (dl or {}).get("place")
    if isinstance(place, dict) and place.get("lat") is not None:
        return Place.from_dict(place)
    if dl and dl.get("mention"):
        mention = str(dl["mention"]).split(",")[0].strip().lower()
        for p in article.places:
            if p.lat is not None and (p.mention or "").lower() == mention:
                return p
    return None


def _role(doc: Any, a: ActorSpan, trig: Any, roles: RoleWords | None = None) -> str | None:
    """agent / patient / ally / other / None: the actor's role towards the trigger, from the
    parse. An ally fights on actor1's side ("with the support of the US military", "backed
    by Russian jets", "alongside regime forces"); "other" is a name standing for another
    party ("US allies")."""
    span = doc.char_span(a.start, a.end, alignment_mode="expand")
    if span is None:
        return None
    return token_role(span_head(span), trig, roles or role_words())


def _near(tok: Any, trig: Any) -> bool:
    """Whether ``tok``'s clause is the trigger's: the trigger itself, in its subtree, or
    governing it ("the offensive, which the army launched")."""
    return trig in tok.subtree or tok in trig.subtree


def token_role(head: Any, trig: Any, roles: RoleWords, depth: int = 0) -> str | None:
    """The role of the actor whose head word is ``head`` (see ``_role``)."""
    dep = head.dep_
    gov = head.head
    if dep in ("compound", "amod", "poss", "nmod") and gov.lemma_.lower() in roles.ally_nouns:
        return "other"  # the "US" of "US allies", the "Iran" of "Iran's proxies"
    # climb through conjunctions and appositions ("the SDF and the YPG")
    while dep in ("conj", "appos") and gov.i != head.i:
        head, dep, gov = gov, gov.dep_, gov.head
    if dep == "pobj" and gov.lower_ == "of" and gov.head.pos_ in ("NOUN", "PROPN"):
        noun = gov.head.lemma_.lower()
        if noun in roles.objective_nouns:
            return "patient"  # "the expulsion of ISIS", "the siege of the rebels"
        if noun in roles.plan_nouns:
            return "agent" if gov.head.dep_ in ("nsubj", "nsubjpass") and _near(gov.head.head, trig) else None
        if noun not in roles.support_nouns:
            # "the fighters of the so-called Islamic State shoot": the role of "fighters"
            head = gov.head
            dep, gov = head.dep_, head.head
    elif dep == "pobj" and gov.lower_ == "from" and gov.head.lemma_.lower() in roles.member_nouns:
        head = gov.head  # "a suicide bomber from the Nusra Front": the role of the bomber
        dep, gov = head.dep_, head.head
    elif (
        dep == "pobj" and gov.lower_ in ("to", "with") and gov.head.lemma_.lower() in roles.affiliation_words
    ):
        tie = gov.head
        if tie.dep_ not in ("acl", "amod") or tie.head.pos_ not in ("NOUN", "PROPN"):
            return None  # "... linked with Daesh": tied to someone, in no role we can read
        head = tie.head  # "terrorist groups affiliated to al-Nusra fired": the groups' role
        dep, gov = head.dep_, head.head
    if _supported_by_trigger(head, trig, roles):
        return "ally"
    ally = _ally(head, dep, gov, trig, roles, depth)
    if ally is not None:
        return None if ally == "unclear" else ally
    if dep == "poss" and gov.lemma_.lower() in roles.plan_nouns:
        # "our goal is to liberate Raqqa", "the army's aim is to retake Palmyra"
        return "agent" if gov.dep_ in ("nsubj", "nsubjpass") and _near(gov.head, trig) else None
    if (
        dep in ("dobj", "nsubjpass")
        and gov.lemma_.lower() in roles.support_verbs
        and gov != trig
        and _near(gov, trig)
    ):
        return "agent"  # "Russian jets helped government forces retake Palmyra"
    if dep in ("nsubj",):
        # the subject of the trigger's clause; the subject of another clause of the sentence
        # only when nobody is (parses of comma-less text cut clauses wrongly)
        if _near(gov, trig):
            return "agent"
        if gov.dep_ in ("advcl", "relcl") or any(c.dep_ == "mark" for c in gov.children):
            return None  # "... so that the extremists can withdraw", "where Turkish forces advance"
        return "subject"
    if dep == "pobj" and gov.lower_ == "by":
        near = gov.head
        if near.dep_ == "acl" and near.lemma_.lower() in roles.control_verbs:
            return "other"  # "a village controlled by the IS group": who holds the place
        if near.dep_ == "acl" and near.head != trig and trig in near.ancestors:
            return None  # "regained the town, seized by IS": who took the town before
        return (
            "agent"
            if near == trig or near in trig.ancestors or trig in near.ancestors or near.pos_ == "NOUN"
            else None
        )
    if dep == "agent":
        return "agent"
    if dep in ("poss", "compound", "amod", "nmod") and (gov == trig or gov.head == trig):
        return "agent"  # "regime barrel bombs", "coalition air strikes", "Russia's raids"
    if dep in ("poss", "compound", "amod", "nmod") and trig in gov.subtree and gov.pos_ == "NOUN":
        # "the regime's campaign of air strikes"; but "killed 18 ISIL commanders in air
        # raids": the commanders are hit, whatever the parse hangs on them
        if depth < 3 and token_role(gov, trig, roles, depth + 1) == "patient":
            return "patient"
        return "agent"
    if dep in ("nsubjpass", "dobj"):
        return "patient"
    if dep == "pobj" and gov.lower_ in ("on", "against", "at", "targeting", "with"):
        return "patient"
    if dep == "pobj" and gov.lower_ == "between":
        return "agent"
    if dep in ("poss", "compound", "amod", "nmod") and gov.pos_ in ("NOUN", "PROPN") and depth < 3:
        # "struck the Syrian army positions": the army is hit as its positions are; "the
        # government assault was accompanied by air raids": the government is supported
        up = token_role(gov, trig, roles, depth + 1)
        return up if up in ("agent", "patient", "ally") else None
    return None


def _supported_by_trigger(head: Any, trig: Any, roles: RoleWords) -> bool:
    """Whether the trigger is what supports this actor: "Iraqi forces aided by coalition
    airstrikes", "they are backed by air strikes launched by the coalition" - the air strikes
    are the event, and those they back fight on the same side as whoever carries them out."""
    nouns = [head, *(c for c in head.children if c.dep_ == "appos")]  # "the SDF, an alliance supported by"
    verbs = [
        c for n in nouns for c in n.children if c.dep_ == "acl" and c.lemma_.lower() in roles.support_verbs
    ]
    if head.dep_ == "nsubjpass" and head.head.lemma_.lower() in roles.support_verbs:
        verbs.append(head.head)
    for verb in verbs:
        for c in verb.children:
            if (c.dep_ == "agent" or c.lower_ == "by") and trig in c.subtree:
                return True
    return False


def _ally(head: Any, dep: str, gov: Any, trig: Any, roles: RoleWords, depth: int) -> str | None:
    """ "ally" when the actor at ``head`` is named as a supporter of the event's perpetrator;
    "patient" or "unclear" for an ally preposition that joins it to the target ("destroyed
    a vehicle along with the terrorists inside it") or to nobody in particular; else None."""
    if dep == "pobj" and gov.pos_ == "ADP":
        prep = gov
        if prep.head.lemma_.lower() in roles.support_nouns and prep.head.pos_ == "NOUN":
            return "ally"  # "with the support of X", "in coordination with X", "help from X"
        if prep.lower_ == "by" and prep.head.lemma_.lower() in roles.support_verbs and prep.head != trig:
            means = [c for c in prep.head.children if (c.dep_ == "agent" or c.lower_ == "by") and c != prep]
            if not any(trig in c.subtree for c in means):
                return "ally"  # "forces backed by Russian jets"
            # "supported by air raids by the US Airforce": who carries out the raids
        doc = head.doc
        for size in (1, 2, 3, 4):
            if prep.i - size + 1 < 0:
                break
            if tuple(t.lower_ for t in doc[prep.i - size + 1 : prep.i + 1]) not in roles.ally_prepositions:
                continue
            # "alongside X", "along with X", "together with X": X shares the role of what the
            # phrase hangs on - the perpetrator's side, unless that is the target
            host = doc[prep.i - size + 1].head if size > 1 else prep.head
            if host.pos_ in ("NOUN", "PROPN", "PRON") and depth < 3:
                up = token_role(host, trig, roles, depth + 1)
                return "patient" if up == "patient" else "ally"
            if any(c.dep_ == "dobj" and c.i < prep.i for c in host.children):
                return "unclear"  # "V the vehicle along with X": X may be hit, or hit
            return "ally"
    if (
        dep in ("poss", "compound", "amod", "nmod")
        and gov.lemma_.lower() in roles.support_nouns
        and gov.pos_ == "NOUN"
    ):
        return "ally"  # "with US support", "Iran's backing"
    if dep == "nsubj" and gov.lemma_.lower() in roles.support_verbs and gov != trig and gov.pos_ == "VERB":
        return "ally"  # "Russian jets supported the army's offensive"
    return None


def _modality(sent: Any, trig: Any) -> str:
    tokens = [trig, *trig.ancestors]
    for t in tokens[:4]:
        if any(c.dep_ == "aux" and c.lower_ in ("will", "shall", "'ll") for c in t.children):
            return "planned"
        if t.lemma_.lower() in PLANNED_CUES and t != trig and t.pos_ in ("VERB", "AUX", "NOUN"):
            return "planned"
        if t != trig and any(c.dep_ == "nsubj" and c.lemma_.lower() in PLANNED_CUES for c in t.children):
            return "planned"  # "our goal is to eliminate ...", "the aim is to retake ..."
        if any(c.dep_ == "aux" and c.lower_ in ("would", "could", "might", "may") for c in t.children):
            return "hypothetical"
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in t.children):
            return "hypothetical"
    return "asserted"


def _method(sub: str, text: str, lex: Any) -> str | None:
    default = lex.method(sub)
    if sub in ("Attack", "Armed clash", "Mob violence", "Excessive force against protesters", "Other"):
        for method, rx in METHOD_CUES:
            if rx.search(text):
                if method == "shooting" or sub in ("Attack", "Other", "Armed clash"):
                    return method
    return default


def _victim_class(unit_tok: Any) -> str | None:
    """children / women / combatants / civilians / None (unspecified) for a figure's noun,
    with the adjectives before it ("Syrian soldiers", "civilian victims")."""
    if unit_tok is None:
        return None
    low = unit_tok.lower_
    mods = {c.lower_ for c in unit_tok.children if c.dep_ in ("amod", "compound")}
    if low in COMBATANT_WORDS or mods & {
        "soldier",
        "military",
        "rebel",
        "militant",
        "pro-government",
        "army",
        "security",
    }:
        return "combatants"
    if low in CHILD_WORDS:
        return "children"
    if low in WOMEN_WORDS:
        return "women"
    if low in ("people", "person", "persons", "individuals", "others", "victims"):
        return "civilians" if "civilian" in mods else None
    if low in CIVILIAN_WORDS or "civilian" in mods:
        return "civilians"
    return "other"


def _casualty_kind(doc: Any, fig: Figure) -> tuple[str | None, Any]:
    """killed / injured / displaced / None for a figure, and the token of its noun."""
    span = doc.char_span(fig.start, fig.end, alignment_mode="expand") if fig.start is not None else None
    if span is None:
        return None, None
    sent = span.sent
    unit_tok = span[-1] if fig.unit and span[-1].pos_ in ("NOUN", "PROPN") else None
    # the words around the figure that say what happened to those it counts, and the
    # verb its noun depends on ("Six civilians ... were among at least 22 people killed")
    lo = max(sent.start, span.start - 6)
    hi = min(sent.end, span.end + 8)
    best, best_d = None, 99
    near = list(doc[lo:hi])
    gov = span[-1]
    for _ in range(5):
        if gov.head is gov:
            break
        gov = gov.head
        if gov.pos_ in ("VERB", "AUX") and gov.lower_ not in ("including", "among", "excluding"):
            near.extend(
                c
                for c in gov.subtree
                if c.i >= hi and c.i < sent.end and c.dep_ in ("acl", "amod", "relcl") or c is gov
            )
            break
    for t in near:
        lem = t.lemma_.lower()
        low = t.lower_
        kind = None
        if lem in KILL_WORDS or low in KILL_WORDS:
            if lem == "claim" and not any(c.lower_ in ("life", "lives") for c in t.subtree):
                continue
            if lem in ("life", "lives") and not any(a.lemma_ in ("lose", "claim") for a in [t.head]):
                continue
            kind = "killed"
        elif lem in INJURE_WORDS or low in INJURE_WORDS:
            kind = "injured"
        elif lem in DISPLACE_WORDS or low in DISPLACE_WORDS:
            kind = "displaced"
        if kind is None:
            continue
        if kind == "killed" and any(
            x.lemma_.lower() in ("risk", "threat", "danger", "fear", "face")
            for x in doc[max(sent.start, t.i - 3) : t.i]
        ):
            continue  # "at risk of death" counts no dead
        d = (t.i - span.end + 1) if t.i >= span.end else (span.start - t.i) * 1.5
        if d < best_d:
            best, best_d = kind, d
    return best, unit_tok


def _casualties(doc: Any, figs: list[Figure]) -> tuple[Fatalities, int | None, int | None]:
    fat = Fatalities()
    injured = displaced = None
    unspecified: list[int] = []
    for f in figs:
        if f.approximate or not isinstance(f.value, int | float) or f.value <= 0 or f.value > 1e6:
            continue
        if f.unit and f.unit.lower() in ("percent", "usd", "eur", "gbp"):
            continue
        kind, unit_tok = _casualty_kind(doc, f)
        if kind is None:
            continue
        v = int(f.value)
        cls = _victim_class(unit_tok)
        if cls == "other":
            continue
        if kind == "injured":
            injured = max(injured or 0, v)
        elif kind == "displaced":
            displaced = max(displaced or 0, v)
        elif cls == "combatants":
            fat.combatants = max(fat.combatants or 0, v)
        elif cls == "children":
            fat.children = max(fat.children or 0, v)
        elif cls == "women":
            fat.women = max(fat.women or 0, v)
        elif cls == "civilians":
            fat.civilians = max(fat.civilians or 0, v)
        else:
            unspecified.append(v)
    if unspecified:
        fat.total = max(unspecified)
        if fat.combatants is None and fat.civilians is None:
            fat.civilians = fat.total  # unspecified victims in reports of attacks: civilians
    parts = (fat.civilians or 0) + (fat.combatants or 0)
    if fat.civilians is None and (fat.children or fat.women):
        fat.civilians = (fat.children or 0) + (fat.women or 0)
        parts = fat.civilians + (fat.combatants or 0)
    if parts and (fat.total is None or fat.total < parts):
        fat.total = parts
    return fat, injured, displaced


def _add_casualties(
    ev: Event, fat: Fatalities, injured: int | None, displaced: int | None, fill_only: bool = False
) -> None:
    """Add another mention's figures: missing ones are filled in; with ``fill_only`` the
    event's own figures stay, else the larger figure wins (tolls rise as reports come in)."""
    had_any = any(getattr(ev.fatalities, k) is not None for k in ("total", "civilians", "combatants"))
    for k in ("total", "civilians", "children", "women", "combatants"):
        new = getattr(fat, k)
        if new is not None:
            old = getattr(ev.fatalities, k)
            if old is None and not (fill_only and had_any and k in ("total", "civilians")):
                setattr(ev.fatalities, k, new)
            elif old is not None and not fill_only:
                setattr(ev.fatalities, k, max(old, new))
    if injured is not None:
        ev.injured = max(ev.injured or 0, injured)
    if displaced is not None:
        ev.displaced = max(ev.displaced or 0, displaced)


def _same_place(a: Place | None, b: Place | None) -> bool:
    if a is None or b is None:
        return True
    if a.geonameid and b.geonameid:
        return (
            a.geonameid == b.geonameid
            or (a.feature != "populated place" or b.feature != "populated place")
            and a.country == b.country
        )
    return (a.name or a.mention) == (b.name or b.mention)


def _same_date(a: DateInterval | None, b: DateInterval | None) -> bool:
    if a is None or b is None or not a.text or not b.text:
        return True  # one of them only has the publication date
    return (a.start, a.end) == (b.start, b.end)


def _dates_an_event(d: DateInterval | None) -> bool:
    """A date expression short enough to date one event (a day, "over the past three
    days", "last week"), not a period ("since 2014", "this month")."""
    if d is None or not d.text:
        return False
    start, end = _parse(d.start), _parse(d.end or d.start)
    return start is not None and end is not None and (end - start).days < MERGED_DATE_DAYS


def _same_actor(a: ActorRef | None, b: ActorRef | None) -> bool:
    return a is None or b is None or a.name == b.name


def _title_end(article: Article) -> int:
    """Where the title ends when the text starts with it (plain-text input), else 0."""
    if not article.title:
        return 0
    stripped = article.text.lstrip()
    if not stripped.startswith(article.title):
        return 0
    return len(article.text) - len(stripped) + len(article.title)


def _places_agree(prev: Event, ev: Event) -> bool:
    """Same place; for displacement, a report naming where people fled from matches one
    naming where they went, as long as the two fit together."""
    if _same_place(prev.location, ev.location):
        return True
    if prev.sub_event_type != "Displacement":
        return False
    return (prev.origin is not None and ev.origin is None and _same_place(prev.origin, ev.location)) or (
        ev.origin is not None and prev.origin is None and _same_place(prev.location, ev.origin)
    )


def _merge(events: list[Event], lead: set[int]) -> list[Event]:
    """One event, one record: mentions of the same event are folded into the first."""
    out: list[Event] = []
    for ev in events:
        target = None
        for prev in out:
            if (
                prev.sub_event_type == ev.sub_event_type
                and prev.modality == ev.modality
                and prev.background == ev.background
                and _places_agree(prev, ev)
                and _same_date(prev.date, ev.date)
                and _same_actor(prev.actor1, ev.actor1)
            ):
                target = prev
                break
        if target is None:
            out.append(ev)
            continue
        _fold(target, ev, lead)
    return out


def _fold(target: Event, ev: Event, lead: set[int], day_only: bool = False) -> None:
    """``ev`` is one more mention of ``target``: its evidence, and what ``target`` lacks.
    With ``day_only`` (a sentence going on about the event: "The massacre came amid ... over
    the past few days"), only a day of its own dates the event, not a period running on."""
    target.mentions.extend(ev.mentions)
    if id(ev) in lead:
        lead.add(id(target))
    for attr in ("actor1", "actor2", "location", "origin", "method"):
        if getattr(target, attr) is None and getattr(ev, attr) is not None:
            setattr(target, attr, getattr(ev, attr))
    if (
        target.date is not None
        and not target.date.text
        and _dates_an_event(ev.date)
        and not (day_only and ev.date is not None and (ev.date.precision != "day" or ev.date.ongoing))
    ):
        # a later mention's own date replaces the publication-day fallback; "since 2014"
        # or "last month" from a toll's summary says less about when this happened
        target.date = ev.date
    # the first report's figures stand (ACLED keeps the most conservative); later
    # mentions fill what it lacks
    _add_casualties(target, ev.fatalities, ev.injured, ev.displaced, fill_only=True)
    target.confidence = round(max(target.confidence, ev.confidence), 3)


def _choose_headline(events: list[Event], article: Article, lead: set[int]) -> None:
    if not events:
        return

    def score(e: Event) -> float:
        s = 0.0
        if id(e) in lead:
            s += 3.0
        s += 1.0 if e.fatalities.total or e.fatalities.civilians else 0.0
        s -= 3.0 if e.background else 0.0
        s -= 1.5 if e.modality in ("planned", "hypothetical") else 0.0
        s += 0.2 * len(e.mentions) + e.confidence
        s -= e.evidence.start / max(len(article.text), 1)
        return s

    best = max(events, key=score)
    for e in events:
        e.headline = e is best
