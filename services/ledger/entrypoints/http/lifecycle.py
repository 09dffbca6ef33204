"""The lifecycle commands (办理流程), one route each: POST /problems/{id}/<action>.

发现 → 整改 → 检视 → 完善: 交办, 整改方案, 完成措施, 佐证材料, 提交整改, 检视通过, 退回重办, 销号,
重新打开, 合并, 提级, 处置, 评价 and 申诉, 标记, 问责, and the clocks (计时、中止、恢复、延期).
Each answers with the problem as it is now; an illegal transition is a 409 with the reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from services.ledger.domain.enums import ClockKind, RaterKind
from services.ledger.domain.problem import Problem
from services.ledger.domain.responsibility import plan_backwards
from services.ledger.service_layer import commands, queries
from services.ledger.service_layer.commands import ProblemCommand

from .deps import ID_PATTERN, Actor, Ctx, transaction
from .schemas import (
    AppealDecisionIn,
    AppealIn,
    ApprovedIn,
    AssignIn,
    ClockStopIn,
    DisciplineIn,
    DisposeIn,
    EvidenceIn,
    ExtendIn,
    MergeIn,
    NoteIn,
    PassReviewIn,
    PlanIn,
    RatingIn,
    ReasonIn,
    SubmitIn,
    TagIn,
    TransferIn,
)

router = APIRouter(prefix="/problems/{problem_id}", tags=["lifecycle 办理流程"])
ProblemId = Annotated[str, Path(pattern=ID_PATTERN)]
RatingId = Annotated[str, Path(pattern=ID_PATTERN)]


async def _run(request: Request, ctx: Ctx, problem_id: str, action: str,
               command: ProblemCommand) -> dict[str, Any]:
    async with transaction(request) as session:
        await commands.execute(session, ctx, problem_id, action, command)
        return await queries.problem_view(session, ctx.calendar, problem_id,
                                          queries.today_of(ctx.now()))


@router.post("/assign", summary="交办 / 重新交办: responsible people and unit (责任到人)")
async def assign(problem_id: ProblemId, body: AssignIn, request: Request, actor: Actor, ctx: Ctx
                 ) -> dict[str, Any]:
    people = tuple(p.to_domain() for p in body.responsible)
    unit = body.unit.to_domain()
    return await _run(request, ctx, problem_id, "assign", lambda p, now: p.assign(
        responsible=people, unit=unit, actor=actor, now=now, policy=ctx.clocks))


@router.post("/plan", summary="整改方案: measures and due dates, or scheduled backwards (倒排时间)")
async def set_plan(problem_id: ProblemId, body: PlanIn, request: Request, actor: Actor, ctx: Ctx
                   ) -> dict[str, Any]:
    plan = body.explicit() or plan_backwards(body.due, body.steps(), ctx.calendar)
    return await _run(request, ctx, problem_id, "set_plan", lambda p, now: p.set_plan(
        plan=plan, actor=actor, now=now, cal=ctx.calendar))


@router.post("/measures/{measure_id}/complete", summary="完成整改措施")
async def complete_measure(problem_id: ProblemId,
                           measure_id: Annotated[str, Path(pattern=ID_PATTERN)], body: NoteIn,
                           request: Request, actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "complete_measure",
                      lambda p, now: p.complete_measure(measure_id=measure_id, actor=actor,
                                                        now=now, note=body.note))


@router.post("/evidence", summary="上传佐证材料 (metadata; the file stays in storage)")
async def add_evidence(problem_id: ProblemId, body: EvidenceIn, request: Request, actor: Actor,
                       ctx: Ctx) -> dict[str, Any]:
    evidence = body.to_domain()
    return await _run(request, ctx, problem_id, "add_evidence", lambda p, now: p.add_evidence(
        evidence=evidence, actor=actor, now=now))


@router.post("/submit", summary="提交整改 for review (every measure done, evidence attached)")
async def submit(problem_id: ProblemId, body: SubmitIn, request: Request, actor: Actor, ctx: Ctx
                 ) -> dict[str, Any]:
    claimed = body.claimed.to_domain()
    return await _run(request, ctx, problem_id, "submit_rectification",
                      lambda p, now: p.submit_rectification(summary=body.summary, actor=actor,
                                                            now=now, claimed=claimed))


@router.post("/review/pass", summary="检视通过, by a reviewer from outside the problem's town")
async def pass_review(problem_id: ProblemId, body: PassReviewIn, request: Request, actor: Actor,
                      ctx: Ctx) -> dict[str, Any]:
    reviewer, verified = body.reviewer.to_domain(), body.verified.to_domain()
    return await _run(request, ctx, problem_id, "pass_review", lambda p, now: p.pass_review(
        reviewer=reviewer, actor=actor, now=now, verified=verified, note=body.note))


@router.post("/return", summary="退回重办 (a fresh, shorter rectification clock)")
async def return_for_rework(problem_id: ProblemId, body: ReasonIn, request: Request,
                            actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "return_for_rework",
                      lambda p, now: p.return_for_rework(reason=body.reason, actor=actor,
                                                         now=now, policy=ctx.clocks))


@router.post("/close", summary="销号, against evidence and a passed review (对账销号)")
async def close(problem_id: ProblemId, body: NoteIn, request: Request, actor: Actor, ctx: Ctx
                ) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "close", lambda p, now: p.close(
        actor=actor, now=now, policy=ctx.clocks, note=body.note))


@router.post("/reopen", summary="重新打开: the fix turned out not to be real")
async def reopen(problem_id: ProblemId, body: ReasonIn, request: Request, actor: Actor, ctx: Ctx
                 ) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "reopen", lambda p, now: p.reopen(
        reason=body.reason, actor=actor, now=now, policy=ctx.clocks))


@router.post("/merge", summary="合并 into another problem as a duplicate (both sides recorded)")
async def merge(problem_id: ProblemId, body: MergeIn, request: Request, actor: Actor, ctx: Ctx
                ) -> dict[str, Any]:
    async with transaction(request) as session:
        await commands.merge(session, ctx, problem_id, body.into_problem_id, actor)
        return await queries.problem_view(session, ctx.calendar, problem_id,
                                          queries.today_of(ctx.now()))


@router.post("/transfer-up", summary="提级: the level above takes the problem over")
async def transfer_up(problem_id: ProblemId, body: TransferIn, request: Request, actor: Actor,
                      ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "transfer_up", lambda p, now: p.transfer_up(
        reason=body.reason, actor=actor, now=now))


@router.post("/dispose", summary="处置: 谈话函询 / 初步核实 / 暂存待查 / 予以了结")
async def dispose(problem_id: ProblemId, body: DisposeIn, request: Request, actor: Actor,
                  ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "dispose", lambda p, now: p.dispose(
        disposal=body.disposal, actor=actor, now=now, note=body.note))


@router.post("/ratings", summary="成绩单: an organisation's or a department's rating")
async def rate(problem_id: ProblemId, body: RatingIn, request: Request, actor: Actor, ctx: Ctx
               ) -> dict[str, Any]:
    rating_id = body.rating_id or str(uuid.uuid4())

    def command(p: Problem, now: Any) -> object:
        return p.rate(rating_id=rating_id, rater_kind=RaterKind(body.rater_kind),
                      rater_id=body.rater_id, score=body.score, resolved=body.resolved,
                      actor=actor, now=now, scorecard=ctx.scorecard, policy=ctx.clocks,
                      comment=body.comment)

    return await _run(request, ctx, problem_id, "rate", command)


@router.post("/ratings/{rating_id}/appeal", summary="申诉 a dissatisfied rating")
async def appeal(problem_id: ProblemId, rating_id: RatingId, body: AppealIn, request: Request,
                 actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "appeal_rating", lambda p, now: p.appeal_rating(
        rating_id=rating_id, reason=body.reason, actor=actor, now=now, scorecard=ctx.scorecard))


@router.post("/ratings/{rating_id}/appeal/decision", summary="申诉裁定")
async def decide_appeal(problem_id: ProblemId, rating_id: RatingId, body: AppealDecisionIn,
                        request: Request, actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "decide_appeal",
                      lambda p, now: p.decide_appeal(rating_id=rating_id, upheld=body.upheld,
                                                     actor=actor, now=now, note=body.note))


@router.post("/tags", summary="标记 (e.g. a special campaign)")
async def tag(problem_id: ProblemId, body: TagIn, request: Request, actor: Actor, ctx: Ctx
              ) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "tag", lambda p, now: p.tag(
        tag=body.tag, actor=actor, now=now))


@router.post("/discipline", summary="问责: people held to account (查处)")
async def discipline(problem_id: ProblemId, body: DisciplineIn, request: Request, actor: Actor,
                     ctx: Ctx) -> dict[str, Any]:
    people = tuple(p.to_domain() for p in body.people)
    return await _run(request, ctx, problem_id, "record_discipline",
                      lambda p, now: p.record_discipline(people=people, actor=actor, now=now,
                                                         note=body.note))


@router.post("/clocks/{kind}/start", summary="开始计时 (a clock the rules did not start)")
async def start_clock(problem_id: ProblemId, kind: ClockKind, request: Request, actor: Actor,
                      ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "start_clock", lambda p, now: p.start_clock(
        kind=kind, actor=actor, now=now, policy=ctx.clocks))


@router.post("/clocks/{kind}/stop", summary="停止计时 (e.g. the notice was delivered)")
async def stop_clock(problem_id: ProblemId, kind: ClockKind, body: ClockStopIn,
                     request: Request, actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "stop_clock", lambda p, now: p.stop_clock(
        kind=kind, reason=body.reason, actor=actor, now=now))


@router.post("/clocks/{kind}/pause", summary="中止计时, with reason and approver")
async def pause_clock(problem_id: ProblemId, kind: ClockKind, body: ApprovedIn,
                      request: Request, actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "pause_clock", lambda p, now: p.pause_clock(
        kind=kind, reason=body.reason, approver=body.approver, actor=actor, now=now,
        cal=ctx.calendar))


@router.post("/clocks/{kind}/resume", summary="恢复计时")
async def resume_clock(problem_id: ProblemId, kind: ClockKind, request: Request, actor: Actor,
                       ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "resume_clock", lambda p, now: p.resume_clock(
        kind=kind, actor=actor, now=now))


@router.post("/clocks/{kind}/extend", summary="延期, with reason and approver, within the limit")
async def extend_clock(problem_id: ProblemId, kind: ClockKind, body: ExtendIn,
                       request: Request, actor: Actor, ctx: Ctx) -> dict[str, Any]:
    return await _run(request, ctx, problem_id, "extend_clock", lambda p, now: p.extend_clock(
        kind=kind, days=body.days, reason=body.reason, approver=body.approver, actor=actor,
        now=now, cal=ctx.calendar))
