"""The event catalog: known types parse to their model; anything else is malformed, with a code."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.events import catalog
from shared.events.catalog import ALL_PAYLOADS, BY_TYPE, Place, VisitLogged, parse
from shared.events.envelope import Envelope, MalformedEvent
from shared.outbox.writer import envelope_for

PLACE = Place(town_code="350623104", town_name="杜浔镇", county_code="350623", county_name="漳浦县")


def visit() -> VisitLogged:
    return VisitLogged(visit_id="v-1", officer_id="o-1", place=PLACE, visited_on=date(2024, 6, 3),
                       households_visited=12, problems_found=1)


def test_a_known_type_parses_to_its_model() -> None:
    env = envelope_for(visit(), "/supervision/test")
    back = Envelope.from_record(env.headers(), env.value())
    payload = parse(back)
    assert payload == visit()
    assert back.subject == "v-1"


def test_types_are_unique_versioned_and_past_tense_in_one_catalog() -> None:
    assert len(BY_TYPE) == len(ALL_PAYLOADS)
    for model in ALL_PAYLOADS:
        assert model.TYPE.startswith(catalog.PREFIX + ".")
        assert model.TYPE.rsplit(".", 1)[-1].startswith("v")


def test_unknown_type_is_malformed() -> None:
    env = Envelope(type=catalog.PREFIX + ".nobody.thing.v9", source="s", subject="k", data={})
    with pytest.raises(MalformedEvent) as info:
        parse(env)
    assert info.value.code == "unknown_type"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({}, id="empty"),
        pytest.param({**visit().model_dump(mode="json"), "households_visited": -1}, id="constraint"),
        pytest.param({**visit().model_dump(mode="json"), "surprise": 1}, id="extra-field"),
        pytest.param({**visit().model_dump(mode="json"),
                      "place": {**PLACE.model_dump(mode="json"), "town_code": "35"}}, id="nested"),
    ],
)
def test_schema_mismatch_is_malformed(data: dict[str, object]) -> None:
    env = Envelope(type=VisitLogged.TYPE, source="s", subject="k", data=data)
    with pytest.raises(MalformedEvent) as info:
        parse(env)
    assert info.value.code == "schema_mismatch"
    assert info.value.reason


def test_schema_mismatch_reason_does_not_echo_the_input() -> None:
    # The reason lands in a DLQ header: it must not copy a complaint's text there.
    secret = "举报人电话13812345678"
    env = Envelope(type=VisitLogged.TYPE, source="s", subject="k",
                   data={**visit().model_dump(mode="json"), "officer_id": None, "extra": secret})
    with pytest.raises(MalformedEvent) as info:
        parse(env)
    assert secret not in info.value.reason


def test_envelope_for_uses_the_payload_subject_and_a_given_id() -> None:
    env = envelope_for(visit(), "/supervision/test", event_id="fixed-id")
    assert (env.id, env.type, env.subject, env.source) == ("fixed-id", VisitLogged.TYPE, "v-1",
                                                           "/supervision/test")
    assert env.time <= datetime.now(UTC)
