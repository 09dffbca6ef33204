"""Infeasibility certificates (无法回避证明): why no conflict-free team exists.

A certificate is a set X of team slots and the bound

    B = sum over officers o eligible for some slot of X of  min(remaining capacity of o,
                                                             q * #problems of X o is eligible for)

Each officer can take at most its remaining capacity, and at most one slot per team (with
probability at most q per team in randomised mode), so at most B slots of X can be filled.
If B < |X| no conflict-free assignment exists: Hall's condition with capacities, e.g. "these
37 三资 problems need 37 finance slots but eligible finance officers can fill only 29".

The optimiser finds X as the residual-reachable side of a minimum cut of the max-flow network
(see optimiser.py); the cut capacity bounds B, so a min cut always yields a certificate.
`check_certificate` re-derives every number on the audit's code path (audit.conflict_codes,
raw role checks), not the engine's, so an auditor can trust a certificate without trusting the
engine.

Choice on partial results: a solve with a certificate returns no assignment at all.
`optimiser.solve_with_escalation` then escalates the certificate's problems and solves the
remaining problems as an instance of their own (as if the escalated ones had never been
opened); the escalation records carry the certificates, so nothing is partial and silent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

from .audit import conflict_codes, role_ok
from .model import PairingInput, PastAssignment
from .policy import Policy, Role

ROLE_LABEL = {
    Role.LEAD: "lead 组长",
    Role.FINANCE: "finance 财务",
    Role.ENGINEERING: "engineering 工程",
    Role.ECOLOGY: "ecology 生态",
    Role.LAW: "law 法律",
    Role.MEMBER: "member 组员",
}


@dataclass(frozen=True, slots=True)
class SlotRef:
    """A team slot: the position-th role of a problem's template."""

    problem_id: str
    role: Role
    position: int


@dataclass(frozen=True, slots=True)
class Certificate:
    slots: tuple[SlotRef, ...]
    officers: tuple[tuple[str, Fraction], ...]  # (officer id, its share of the bound)
    bound: Fraction
    q: Fraction
    summary: str

    @property
    def need(self) -> int:
        return len(self.slots)

    def problem_ids(self) -> tuple[str, ...]:
        return tuple(sorted({s.problem_id for s in self.slots}))

    def as_dict(self) -> dict[str, object]:
        return {
            "slots": [[s.problem_id, s.role.value, s.position] for s in self.slots],
            "officers": [[o, f"{v.numerator}/{v.denominator}"] for o, v in self.officers],
            "bound": f"{self.bound.numerator}/{self.bound.denominator}",
            "need": self.need,
            "q": f"{self.q.numerator}/{self.q.denominator}",
            "summary": self.summary,
        }


def summarise(slots: tuple[SlotRef, ...], bound: Fraction, n_officers: int) -> str:
    roles = Counter(s.role for s in slots)
    parts = ", ".join(f"{n} {ROLE_LABEL[r]}" for r, n in sorted(roles.items()))
    problems = len({s.problem_id for s in slots})
    return (
        f"{problems} problems need {len(slots)} slots ({parts}) but the {n_officers} eligible "
        f"officers can fill at most {float(bound):g} of them"
    )


@dataclass(frozen=True, slots=True)
class Escalation:
    """A problem that cannot be staffed conflict-free (提级/上报), with its proof."""

    problem_id: str
    certificate: Certificate


def certificate_bound(
    slots: tuple[SlotRef, ...], inp: PairingInput, policy: Policy, q: Fraction
) -> tuple[Fraction, dict[str, Fraction]]:
    """Re-derive B and each officer's share from raw fields (the audit's code path)."""
    problems = {p.id: p for p in inp.problems}
    open_cases = dict(inp.open_cases)
    history: dict[str, list[PastAssignment]] = defaultdict(list)
    for past in inp.history:
        history[past.officer_id].append(past)
    eligible_problems: dict[str, set[str]] = defaultdict(set)
    for slot in slots:
        problem = problems[slot.problem_id]
        for officer in inp.officers:
            if not role_ok(officer, slot.role.value):
                continue
            codes = conflict_codes(
                officer,
                problem,
                policy,
                inp.context,
                history.get(officer.id, ()),
                open_cases.get(officer.id, 0),
            )
            if not codes:
                eligible_problems[officer.id].add(problem.id)
    capacity = {o.id: o.capacity - open_cases.get(o.id, 0) for o in inp.officers}
    shares = {
        oid: min(Fraction(capacity[oid]), q * len(probs))
        for oid, probs in sorted(eligible_problems.items())
    }
    return sum(shares.values(), Fraction(0)), shares


def check_certificate(cert: Certificate, inp: PairingInput, policy: Policy) -> bool:
    """True iff the certificate proves infeasibility: its slots exist, are distinct, and the
    independently re-derived bound is below the number of slots (and matches the claim)."""
    problems = {p.id: p for p in inp.problems}
    if len(set(cert.slots)) != len(cert.slots) or not cert.slots:
        return False
    for slot in cert.slots:
        problem = problems.get(slot.problem_id)
        if problem is None:
            return False
        roles = policy.templates[problem.category]
        if not 0 <= slot.position < len(roles) or roles[slot.position] is not slot.role:
            return False
    bound, shares = certificate_bound(cert.slots, inp, policy, cert.q)
    claimed = dict(cert.officers)
    return bound < len(cert.slots) and bound == cert.bound and shares == claimed
