"""Duplicate clustering 重复举报归并: is a new report the same problem as a recent one?

Reports of one problem (same place, same category, similar text or the same subject, within a
time window) share a problem key 问题键; the ledger counts the reports and raises the priority.
The rule is pure: the lead fetches the candidates (`CandidateQuery`) and passes them in.

Chinese has no spaces, so text is compared as character bigrams after steps that matter more
than the metric: fold synonyms onto one concept (支书/村支部书记 -> 书记, 小舅子/女婿 -> 亲属,
截住/拦坝 -> 截水 ...; see `concepts.py`), drop the boilerplate every report carries (来电人反映,
请求查处), drop the place's own name, and discount words typical of the category (租金 in 三资),
since every candidate shares place and category by construction.

Thresholds were tuned on the `dev` split of `services/intake/data/dedup_labelled.jsonl` (split
by a hash of place + category); `tests/bench/eval_dedup.py` reports the held-out `test` split.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from .categories import category_keywords
from .complaint import Complaint
from .concepts import BOILERPLATE_PATTERN, CONCEPT_PATTERN, CONCEPT_SYMBOLS
from .divisions import Place, short_village_name
from .vocabulary import Category


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What dedup needs to know about a report (new or stored)."""

    place_code: str  # village code, or town code when no village is known
    town_code: str
    category: Category
    description: str
    received_at: datetime
    subject_name: str | None = None
    subject_unit: str | None = None
    place_names: tuple[str, ...] = ()  # names to ignore in text: 正达村, 坂里乡 ...

    @classmethod
    def of(
        cls,
        place: Place,
        category: Category,
        description: str,
        received_at: datetime,
        subject_name: str | None = None,
        subject_unit: str | None = None,
    ) -> ReportFacts:
        return cls(
            place_code=place.code,
            town_code=place.town.code,
            category=category,
            description=description,
            received_at=received_at,
            subject_name=subject_name,
            subject_unit=subject_unit,
            place_names=place_names(place),
        )

    @classmethod
    def from_complaint(cls, complaint: Complaint) -> ReportFacts:
        subject = complaint.subject
        return cls.of(
            complaint.place,
            complaint.category,
            complaint.description,
            complaint.received_at,
            subject.name if subject else None,
            subject.unit if subject else None,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored report that may be the same problem: its id, its problem key, its facts."""

    complaint_id: str
    problem_key: str
    facts: ReportFacts


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """What the lead fetches: reports in this town and category received since `since`."""

    town_code: str
    category: Category
    since: datetime
    limit: int


@dataclass(frozen=True)
class DedupPolicy:
    """Thresholds chosen by `tests/bench/eval_dedup.py --tune` on the dev split."""

    window: timedelta = timedelta(days=30)
    # Text similarity (see `text_similarity`, 0..1) that makes a report part of a problem.
    text_threshold: float = 0.20
    # Lower bar when the same named subject (被反映人) is reported: strong evidence by itself.
    subject_threshold: float = 0.06
    # Extra similarity asked of a town-only report, which is vaguer about the place.
    town_level_penalty: float = 0.0
    # Weight of the best match against the mean over the problem's reports.
    best_share: float = 0.5
    max_candidates: int = 200


DEFAULT_POLICY = DedupPolicy()


class MatchReason(StrEnum):
    TEXT = "text"  # 文本相似
    SUBJECT = "subject"  # 同一被反映人且文本相近
    NEW = "new"  # 新问题


@dataclass(frozen=True, slots=True)
class DedupDecision:
    """Attach to `problem_key` (an existing problem) or, when it is None, open a new problem."""

    problem_key: str | None
    matched_complaint_id: str | None
    score: float  # similarity to the chosen (or, when new, the closest) problem
    reason: MatchReason
    scores: dict[str, float] = field(default_factory=dict)  # score per problem key
    also_matches: tuple[str, ...] = ()  # other problems this report would have joined

    @property
    def is_duplicate(self) -> bool:
        return self.problem_key is not None


def candidate_query(report: ReportFacts, policy: DedupPolicy = DEFAULT_POLICY) -> CandidateQuery:
    return CandidateQuery(
        town_code=report.town_code,
        category=report.category,
        since=report.received_at - policy.window,
        limit=policy.max_candidates,
    )


def place_names(place: Place) -> tuple[str, ...]:
    names = [place.town.name, _stem(place.town.name)]
    if place.village:
        short = short_village_name(place.village.name)
        names += [place.village.name, short, _stem(short)]
    return tuple(n for n in names if len(n) >= 2)


def _stem(name: str) -> str:
    for suffix in ("村委会", "居委会", "社区", "街道", "村", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


_PUNCT = re.compile(r"(?:[^\w\ue000-\uf8ff]|_)+")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _fold(text: str, names: Iterable[str]) -> str:
    """Normalised text: synonyms folded to concept symbols, boilerplate and place names gone."""
    text = unicodedata.normalize("NFKC", text).lower()
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = CONCEPT_PATTERN.sub(lambda m: CONCEPT_SYMBOLS[m.group()], text)
    text = BOILERPLATE_PATTERN.sub(" ", text)
    return _PUNCT.sub(" ", text)


@lru_cache(maxsize=4096)
def _grams(text: str, names: tuple[str, ...]) -> frozenset[str]:
    """Character bigrams within each run, plus each concept symbol on its own."""
    grams: set[str] = set()
    for run in _fold(text, names).split():
        run = _DIGITS.sub("#", run)
        grams.update(ch for ch in run if _is_concept(ch))
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(grams)


def _is_concept(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff"


def _weight(gram: str, typical: frozenset[str]) -> float:
    """A shared concept (亲属, 截水) says more than a shared bigram of ordinary characters; a
    word typical of the category (租金 in 三资) says little, since candidates share the category.
    """
    if len(gram) == 1:
        weight = CONCEPT_WEIGHT
    else:
        weight = CONCEPT_BIGRAM_WEIGHT if any(_is_concept(ch) for ch in gram) else 1.0
    return weight * TYPICAL_DISCOUNT if gram in typical else weight


CONCEPT_WEIGHT = 3.0
CONCEPT_BIGRAM_WEIGHT = 1.5
TYPICAL_DISCOUNT = 0.3
TOKEN_SET_SHARE = 0.25


@lru_cache(maxsize=16)
def _typical(category: Category | None) -> frozenset[str]:
    if category is None:
        return frozenset()
    return frozenset(g for word in category_keywords(category) for g in _grams(word, ()))


@dataclass(frozen=True, slots=True)
class _Profile:
    """Everything about one text that does not depend on the other: computed once per text."""

    grams: frozenset[str]
    joined: str  # the grams, sorted, space-separated: rapidfuzz's input
    total: float  # sum of weights


@lru_cache(maxsize=8192)
def _profile(text: str, names: tuple[str, ...], category: Category | None) -> _Profile:
    grams = _grams(text, names)
    typical = _typical(category)
    return _Profile(grams, " ".join(sorted(grams)), sum(_weight(g, typical) for g in grams))


def text_similarity(
    a: str, b: str, names: tuple[str, ...] = (), category: Category | None = None
) -> float:
    """0..1: weighted Dice overlap of bigrams and concepts, blended with rapidfuzz's token-set
    ratio over the same tokens (which is containment-friendly: a one-line hotline summary of a
    long petition still scores)."""
    pa, pb = _profile(a, names, category), _profile(b, names, category)
    if not pa.grams or not pb.grams:
        return 0.0
    typical = _typical(category)
    shared = sum(_weight(g, typical) for g in pa.grams & pb.grams)
    dice = 2 * shared / (pa.total + pb.total)
    token_set = fuzz.token_set_ratio(pa.joined, pb.joined, processor=None) / 100
    return TOKEN_SET_SHARE * token_set + (1 - TOKEN_SET_SHARE) * dice


@lru_cache(maxsize=4096)
def _subject_key(name: str | None, names: tuple[str, ...]) -> str:
    """`正达村党支部书记` and `正达村支书` both become the 书记 concept once the place is dropped."""
    return _fold(name, names).replace(" ", "") if name else ""


def same_subject(a: ReportFacts, b: ReportFacts) -> bool:
    """Same named person (by role within the place, e.g. both 书记), never just the same unit."""
    names = a.place_names + b.place_names
    ka, kb = _subject_key(a.subject_name, names), _subject_key(b.subject_name, names)
    return bool(ka) and ka == kb


def places_compatible(a: ReportFacts, b: ReportFacts) -> bool:
    """Same village; or one side only named the town and it is the same town."""
    if a.place_code == b.place_code:
        return True
    town_only = len(a.place_code) == 9 or len(b.place_code) == 9
    return town_only and a.town_code == b.town_code


def comparable(new: ReportFacts, old: ReportFacts, policy: DedupPolicy) -> bool:
    """Same category, compatible place, inside the window: otherwise never one problem."""
    return (
        new.category is old.category
        and places_compatible(new, old)
        and abs(new.received_at - old.received_at) <= policy.window
    )


@dataclass(frozen=True, slots=True)
class _Member:
    similarity: float
    candidate: Candidate


def _member(report: ReportFacts, candidate: Candidate) -> _Member:
    names = report.place_names + candidate.facts.place_names
    similarity = text_similarity(
        report.description, candidate.facts.description, names, report.category
    )
    return _Member(similarity, candidate)


@dataclass(frozen=True, slots=True)
class _ProblemScore:
    score: float  # blended similarity
    latest: datetime
    best: Candidate
    same_subject: bool
    town_only: bool

    @property
    def key(self) -> str:
        return self.best.problem_key


def _score_problem(
    report: ReportFacts, members: list[_Member], policy: DedupPolicy
) -> _ProblemScore:
    """Blend of the best and the mean similarity over the problem's reports: the best alone lets
    one borderline report chain a different problem in; the mean alone punishes problems that
    have gathered many differently-worded reports."""
    best = max(
        members,
        key=lambda m: (m.similarity, m.candidate.facts.received_at, _neg(m.candidate.complaint_id)),
    )
    mean = sum(m.similarity for m in members) / len(members)
    return _ProblemScore(
        score=policy.best_share * best.similarity + (1 - policy.best_share) * mean,
        latest=max(m.candidate.facts.received_at for m in members),
        best=best.candidate,
        same_subject=any(same_subject(report, m.candidate.facts) for m in members),
        town_only=best.candidate.facts.place_code != report.place_code,
    )


def _passes(problem: _ProblemScore, policy: DedupPolicy) -> MatchReason:
    bar = policy.text_threshold + (policy.town_level_penalty if problem.town_only else 0.0)
    if problem.score >= bar:
        return MatchReason.TEXT
    if problem.same_subject and problem.score >= policy.subject_threshold:
        return MatchReason.SUBJECT
    return MatchReason.NEW


def decide(
    report: ReportFacts,
    candidates: Sequence[Candidate],
    policy: DedupPolicy = DEFAULT_POLICY,
) -> DedupDecision:
    """Attach to the best-matching recent problem, or open a new one.

    Among passing problems the highest score wins, then the most recent report, then the
    smaller key: the decision does not depend on the order candidates were fetched in. Other
    passing problems are returned in `also_matches`: the report links them, and an officer may
    want to join them on the ledger.
    """
    members: dict[str, list[_Member]] = {}
    for candidate in candidates:
        if comparable(report, candidate.facts, policy):
            members.setdefault(candidate.problem_key, []).append(_member(report, candidate))
    problems = [_score_problem(report, m, policy) for m in members.values()]
    scores = {p.key: round(p.score, 4) for p in problems}
    passing = [(p, r) for p in problems if (r := _passes(p, policy)) is not MatchReason.NEW]
    if not passing:
        top = max(scores.values(), default=0.0)
        return DedupDecision(None, None, top, MatchReason.NEW, scores)
    passing.sort(key=lambda pr: (pr[0].score, pr[0].latest, _neg(pr[0].key)), reverse=True)
    chosen, reason = passing[0]
    others = tuple(p.key for p, _ in passing[1:])
    return DedupDecision(chosen.key, chosen.best.complaint_id, chosen.score, reason, scores, others)


def _neg(key: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in key)
