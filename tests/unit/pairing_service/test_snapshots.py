"""What the service stores of a solve gives back the very input and result: same digest, same
canonical bytes, so an audit can re-run the engine on it (no database needed here)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from services.pairing.adapters.snapshots import (
    StateEncoder,
    assignment_from_dict,
    certificate_from_dict,
    encode,
    input_from_records,
    officer_record,
    pack,
    state_record,
    unpack,
)
from services.pairing.domain.canonical import input_digest
from services.pairing.domain.instances import ZHANGZHOU, load_divisions, synthetic_instance
from services.pairing.domain.model import Category, Context, Officer, PairingInput, PastAssignment, Problem
from services.pairing.domain.optimiser import Infeasible, solve_batch
from services.pairing.domain.policy import Policy
from services.pairing.domain.randomised import solve_randomised
from services.pairing.domain.result import Assignment
from services.pairing.service_layer.periods import period_of_round, round_of_day, round_of_period

DIVISIONS = Path(__file__).resolve().parents[3] / "data" / "divisions"
POLICY = Policy()


def as_row(o: Officer) -> dict[str, object]:
    """An officer as the registry table holds it."""
    return {
        "id": o.id, "name": o.name, "kind": o.kind.value, "unit": o.post.unit,
        "county_code": o.post.county_code, "town_code": o.post.town_code,
        "village_code": o.post.village_code, "native_village_code": o.native_village,
        "skills": sorted(s.value for s in o.skills), "capacity": o.capacity, "available": o.available,
        "past_posts": [{"unit": p.unit, "county_code": p.county_code, "town_code": p.town_code,
                        "village_code": p.village_code,
                        "start": p.start.isoformat() if p.start else None,
                        "end": p.end.isoformat() if p.end else None} for p in o.past_posts],
        "relations": [{"kind": r.kind.value, "target_kind": r.target_kind.value, "target": r.target,
                       "note": "kept out of the engine's input"} for r in o.relations],
    }


@pytest.fixture(scope="module")
def instance() -> PairingInput:
    div = load_divisions(DIVISIONS).restrict(ZHANGZHOU)
    inp = synthetic_instance(div, 120, 60, seed=7, round_index=5)
    history = tuple(PastAssignment(o.id, f"old{i}", inp.problems[i].town_code, 4)
                    for i, o in enumerate(inp.officers[:30]))
    return replace(inp, history=history, open_cases=tuple((o.id, 1) for o in inp.officers[:10]))


def stored(inp: PairingInput) -> PairingInput:
    registry = unpack(pack([officer_record(as_row(o)) for o in sorted(inp.officers, key=lambda o: o.id)]))
    return input_from_records(registry, unpack(pack(state_record(inp))))


def test_a_stored_input_has_the_digest_of_the_original(instance: PairingInput) -> None:
    assert input_digest(stored(instance), POLICY) == input_digest(instance, POLICY)


@pytest.mark.parametrize("randomised", [False, True])
def test_a_stored_result_is_the_same_bytes_and_solves_again_to_them(instance: PairingInput,
                                                                    randomised: bool) -> None:
    def run(inp: PairingInput) -> Assignment | Infeasible:
        if randomised:
            return solve_randomised(inp, Fraction(1, 2), "draw-1", POLICY)
        return solve_batch(inp, POLICY)

    result = run(instance)
    assert isinstance(result, Assignment)
    back = assignment_from_dict(unpack(pack(result.as_dict())))
    assert back.canonical_json() == result.canonical_json()
    again = run(stored(instance))
    assert isinstance(again, Assignment) and again.canonical_json() == result.canonical_json()


def test_a_stored_certificate_reads_back(instance: PairingInput) -> None:
    starved = replace(instance, officers=instance.officers[:3])
    result = solve_batch(starved, POLICY)
    assert isinstance(result, Infeasible)
    for cert in result.certificates:
        assert certificate_from_dict(unpack(pack(cert.as_dict()))) == cert


def test_rounds_are_months() -> None:
    assert round_of_period("2025-03") == round_of_day(date(2025, 3, 31)) == round_of_day(date(2025, 3, 1))
    assert round_of_period("2025-01") - round_of_period("2024-12") == 1
    assert period_of_round(round_of_period("2026-11")) == "2026-11"
    with pytest.raises(ValueError):
        round_of_period("2025-13")


def test_the_state_encoder_writes_the_bytes_of_the_canonical_state() -> None:
    """StateEncoder remembers memberships it encoded; the stored state and its digest are still
    `encode(state_record(inp))`, solve after solve, whatever the order or the characters."""
    rng = random.Random(4)
    encoder = StateEncoder(limit=50)
    towns = ["350623101", "350623102", "350624100"]
    history: list[PastAssignment] = []
    for k in range(6):
        history += [PastAssignment(rng.choice(["O-1", "O_2", "官员3", "O\\4", 'O"5']), f"p-{k}-{i}",
                                   rng.choice(towns), 300 + rng.randint(0, 3)) for i in range(20)]
        rng.shuffle(history)
        inp = PairingInput(officers=(), problems=(Problem(f"P{k}", towns[k % 3], Category.OTHER),),
                           context=Context(date(2025, 3, 1 + k), 302), history=tuple(history),
                           open_cases=(("O-1", 2), ("官员3", 1)))
        assert encoder(inp) == encode(state_record(inp))
    empty = PairingInput(officers=(), problems=(), context=Context(date(2025, 3, 1), 302))
    assert encoder(empty) == encode(state_record(empty))
