"""Use cases driven by other services' events: complaints open or join problems, teams get
assigned (or cannot be formed), reporters rate, officers log visits.

Every id and time here derives from the incoming event, never from the clock or a random source,
so the same input topics give the same ledger. A rule the domain refuses (say, a rating of a
problem already back under rework) is recorded in `rejected_inputs` rather than retried: the
refusal is deterministic, a retry would only stall the partition. An event that refers to a
problem or complaint not registered yet (the input topics are not ordered with each other) waits
in `deferred_inputs` and is applied in the transaction that registers it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.adapters.records import ComplaintLinked, TeamRecorded
from services.ledger.adapters.tables import deferred_inputs, rejected_inputs, reports, visits
from services.ledger.domain import lifecycle
from services.ledger.domain.enums import (
    LEVEL_ORDER,
    Category,
    EscalationReason,
    Level,
    ProblemStatus,
    RaterKind,
    Source,
)
from services.ledger.domain.errors import LedgerError
from services.ledger.domain.escalation import escalate_now
from services.ledger.domain.responsibility import ResponsiblePerson, Unit
from services.ledger.service_layer import registration, store
from services.ledger.service_layer.context import LedgerContext
from shared.consumer import Handler, in_trace_of
from shared.events.catalog import (
    ComplaintReceived,
    Payload,
    ReporterRated,
    TeamAssigned,
    TeamUnstaffable,
    VisitLogged,
    parse,
)
from shared.events.envelope import Envelope

log = logging.getLogger(__name__)

# Built once (a statement built per call is traversed for its cache key every time).
_LOCK_KEY = sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.bindparam("key", type_=sa.Text))))
_REPORTED = sa.select(reports.c.problem_id).where(reports.c.complaint_id == sa.bindparam("complaint_id"))

NAMED_MODES = frozenset({"named", "confidential"})  # 实名 / 保密: a known reporter gets notices
TITLE_CHARS = 60
MAX_MERGE_HOPS = 10


def title_of(description: str) -> str:
    """The first line of the description, shortened: what lists and statements show (问题摘要)."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"


def cause_of(env: Envelope) -> str:
    return store.command_id_for(f"{env.source}|{env.id}")


def _source(channel: str) -> Source:
    try:
        return Source(channel)
    except ValueError:
        # A channel intake adds later is still a report from outside: never lose the problem.
        log.warning("unknown intake channel; registered as an online report",
                    extra={"channel": channel})
        return Source.ONLINE


def registering_level(c: ComplaintReceived) -> Level:
    """The level the problem is registered at. Intake names the level that handles it
    (`handling_level`); with 提级 the ledger registers it one below and the domain records the
    transfer up, with its reason, so the timeline shows why the level above has it."""
    handling = _level(getattr(c, "handling_level", None))  # optional field, newer producers
    if not c.escalate_up:
        return handling
    below = LEVEL_ORDER.index(handling) - 1
    return LEVEL_ORDER[max(below, 0)]


def _level(code: str | None) -> Level:
    try:
        return Level(code) if code else Level.TOWN
    except ValueError:
        return Level.TOWN


def _category(code: str) -> Category:
    try:
        return Category(code)
    except ValueError:
        return Category.OTHER


class IntakeInputs:
    """The handlers of the ledger's consumer group, sharing the ledger's context."""

    def __init__(self, ctx: LedgerContext) -> None:
        self.ctx = ctx

    def handlers(self) -> dict[str, Handler]:
        return {
            ComplaintReceived.TYPE: self.guarded(self.complaint_received),
            TeamAssigned.TYPE: self.guarded(self.team_assigned),
            TeamUnstaffable.TYPE: self.guarded(self.team_unstaffable),
            ReporterRated.TYPE: self.guarded(self.reporter_rated),
            VisitLogged.TYPE: self.visit_logged,
        }

    # ---------------------------------------------------------------------- plumbing
    def guarded(self, handler: Handler) -> Handler:
        """Run the handler in a savepoint; a rule the domain refuses is recorded, not raised."""

        async def run(session: AsyncSession, env: Envelope, payload: Payload) -> None:
            try:
                async with session.begin_nested():
                    await handler(session, env, payload)
            except LedgerError as err:
                log.warning("input refused by the ledger's rules",
                            extra={"event_type": env.type, "code": err.code})
                await session.execute(rejected_inputs.insert().values(
                    event_source=env.source, event_id=env.id, event_type=env.type,
                    subject=env.subject, code=err.code, reason=err.reason,
                    at=datetime.now(UTC)))

        return run

    async def defer(self, session: AsyncSession, env: Envelope, waiting_for: str) -> None:
        log.info("input waits for what it refers to", extra={"waiting_for": waiting_for})
        await session.execute(deferred_inputs.insert().values(
            waiting_for=waiting_for, event_source=env.source, event_id=env.id,
            event_type=env.type, subject=env.subject, time=env.time,
            traceparent=env.traceparent, data=dict(env.data)))

    async def release(self, session: AsyncSession, keys: list[str]) -> None:
        rows = (await session.execute(
            sa.delete(deferred_inputs).where(deferred_inputs.c.waiting_for.in_(keys))
            .returning(*deferred_inputs.c))).all()
        handlers = self.handlers()
        for row in sorted(rows, key=lambda r: r.id):
            env = Envelope(type=row.event_type, source=row.event_source, subject=row.subject,
                           data=row.data, id=row.event_id, time=row.time,
                           traceparent=row.traceparent)
            with in_trace_of(env):  # its own trace, not that of the event that released it
                await handlers[env.type](session, env, parse(env))

    # ---------------------------------------------------------------------- complaints
    async def complaint_received(self, session: AsyncSession, env: Envelope, payload: Payload
                                 ) -> None:
        assert isinstance(payload, ComplaintReceived)
        c = payload
        # Complaints of one problem come on different partitions: one at a time per key.
        await session.execute(_LOCK_KEY, {"key": c.problem_key})
        if await session.scalar(_REPORTED, {"complaint_id": c.complaint_id}):
            return
        actor = f"intake:{c.channel}"
        named = c.reporter_mode in NAMED_MODES
        pid = store.problem_id_for(c.problem_key)
        loaded = await store.load_problem(session, pid)
        if loaded is None:
            linked = ComplaintLinked(problem_id=pid, complaint_id=c.complaint_id,
                                     reporter_ref=c.reporter_ref, channel=c.channel, actor=actor,
                                     at=c.received_at)
            await registration.register(session, self.ctx, registration.NewProblem(
                problem_key=c.problem_key, title=title_of(c.description),
                category=_category(c.category), source=_source(c.channel), place=c.place,
                actor=actor, now=c.received_at, level=registering_level(c),
                reporter_ref=c.reporter_ref, named_reporter=named,
                concerns_own_leader=c.escalate_up, subject_name=c.subject_name,
                subject_unit=c.subject_unit,
            ), command_id=cause_of(env), complaint=linked)
            await self.release(session, [f"problem:{pid}", f"complaint:{c.complaint_id}"])
            return
        loaded = await self._follow_merges(session, loaded)
        loaded.records.append(ComplaintLinked(
            problem_id=loaded.problem_id, complaint_id=c.complaint_id,
            reporter_ref=c.reporter_ref, channel=c.channel, actor=actor, at=c.received_at))
        loaded.problem.attach_report(reporter_ref=c.reporter_ref, named=named, actor=actor,
                                     now=c.received_at)
        await store.commit_problem(session, loaded, command_id=cause_of(env),
                                   action="attach_report")
        await self.release(session, [f"complaint:{c.complaint_id}"])

    async def _follow_merges(self, session: AsyncSession, loaded: store.LoadedProblem
                             ) -> store.LoadedProblem:
        """A report of a merged duplicate belongs to the problem it was merged into."""
        for _ in range(MAX_MERGE_HOPS):
            into = loaded.problem.merged_into
            if loaded.problem.status is not ProblemStatus.MERGED or into is None:
                return loaded
            loaded = await store.require_problem(session, into)
        raise LedgerError("merge_cycle", f"more than {MAX_MERGE_HOPS} merges in a row")

    # ---------------------------------------------------------------------- pairing
    async def team_assigned(self, session: AsyncSession, env: Envelope, payload: Payload
                            ) -> None:
        assert isinstance(payload, TeamAssigned)
        t = payload
        loaded = await store.load_problem(session, t.problem_id)
        if loaded is None:
            await self.defer(session, env, f"problem:{t.problem_id}")
            return
        members = [m.model_dump(mode="json") for m in t.members]
        loaded.records.append(TeamRecorded(problem_id=t.problem_id,
                                           assignment_id=t.assignment_id, members=members,
                                           mode=t.mode, actor="pairing", at=t.at))
        p = loaded.problem
        if t.members and lifecycle.is_allowed(lifecycle.Command.ASSIGN, p.status):
            lead = next((m.officer_id for m in t.members if m.role == "lead"),
                        t.members[0].officer_id)
            responsible = tuple(ResponsiblePerson(person_id=m.officer_id, name=m.officer_id,
                                                  role=m.role, lead=m.officer_id == lead)
                                for m in t.members)
            unit_name = next((m.unit for m in t.members if m.officer_id == lead and m.unit),
                             "跨镇协作组")
            p.assign(responsible=responsible, unit=Unit(unit_id=t.assignment_id, name=unit_name),
                     actor="pairing", now=t.at, policy=self.ctx.clocks)
        else:
            # The team is kept on record either way; the lifecycle decides whether it is 交办.
            log.info("team recorded without assignment", extra={"status": p.status.value})
        await store.commit_problem(session, loaded, command_id=cause_of(env), action="assign",
                                   extra_details={"assignment_id": t.assignment_id,
                                                  "members": members})

    async def team_unstaffable(self, session: AsyncSession, env: Envelope, payload: Payload
                               ) -> None:
        """无法回避: no conflict-free team exists; the county supervises directly (督办)."""
        assert isinstance(payload, TeamUnstaffable)
        loaded = await store.load_problem(session, payload.problem_id)
        if loaded is None:
            await self.defer(session, env, f"problem:{payload.problem_id}")
            return
        escalate_now(loaded.problem, policy=self.ctx.escalation,
                     reason=EscalationReason.UNSTAFFABLE, actor="pairing", now=payload.at)
        await store.commit_problem(session, loaded, command_id=cause_of(env), action="escalate")

    # ---------------------------------------------------------------------- ratings, visits
    async def reporter_rated(self, session: AsyncSession, env: Envelope, payload: Payload
                             ) -> None:
        """群众评价 through intake (query code or contact); a dissatisfied score sends the
        problem back for rework by itself (the domain's rule)."""
        assert isinstance(payload, ReporterRated)
        r = payload
        report = (await session.execute(sa.select(reports).where(
            reports.c.complaint_id == r.complaint_id))).first()
        if report is None:
            await self.defer(session, env, f"complaint:{r.complaint_id}")
            return
        loaded = await store.require_problem(session, report.problem_id)
        loaded.problem.rate(
            rating_id=r.rating_id, rater_kind=RaterKind.REPORTER, rater_id=report.reporter_ref,
            score=r.score, resolved=r.resolved, actor=f"reporter:{report.reporter_ref}",
            now=r.rated_at, scorecard=self.ctx.scorecard, policy=self.ctx.clocks,
            comment=r.comment or "",
        )
        await store.commit_problem(session, loaded, command_id=cause_of(env), action="rate")

    async def visit_logged(self, session: AsyncSession, env: Envelope, payload: Payload) -> None:
        """走访日志, kept for the statistics (入户访查人次)."""
        assert isinstance(payload, VisitLogged)
        v = payload
        await session.execute(pg_insert(visits).values(**visit_values(v))
                              .on_conflict_do_nothing(index_elements=["visit_id"]))


def visit_values(v: VisitLogged) -> dict[str, object]:
    # 走访人次 when intake reports it (a newer, optional field), else one per household.
    persons = getattr(v, "persons_visited", None)
    return {"visit_id": v.visit_id, "officer_id": v.officer_id,
            "county_code": v.place.county_code, "town_code": v.place.town_code,
            "village_code": v.place.village_code, "visited_on": v.visited_on,
            "households_visited": v.households_visited, "problems_found": v.problems_found,
            "persons_visited": persons if persons is not None else v.households_visited}
