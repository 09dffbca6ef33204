"""The lifecycle commands officers run over HTTP, one transaction each: load and lock the
problem, let the domain decide (it raises on an illegal transition), commit what it recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger.domain.problem import Problem
from services.ledger.service_layer import registration, store
from services.ledger.service_layer.context import LedgerContext

ProblemCommand = Callable[[Problem, datetime], object]


async def execute(session: AsyncSession, ctx: LedgerContext, problem_id: str, action: str,
                  command: ProblemCommand, command_id: str | None = None
                  ) -> store.LoadedProblem:
    loaded = await store.require_problem(session, problem_id)
    command(loaded.problem, ctx.now())
    await store.commit_problem(session, loaded, command_id=command_id or store.new_command_id(),
                               action=action)
    return loaded


async def merge(session: AsyncSession, ctx: LedgerContext, duplicate_id: str, into_id: str,
                actor: str) -> tuple[store.LoadedProblem, store.LoadedProblem]:
    """合并: the duplicate ends as merged, the other records it; both or neither."""
    duplicate, target = await store.load_pair(session, duplicate_id, into_id)
    now = ctx.now()
    target.problem.attach_duplicate(duplicate_id=duplicate_id, actor=actor, now=now)
    duplicate.problem.merge_into(into_problem_id=into_id, actor=actor, now=now)
    command_id = store.new_command_id()
    await store.commit_problem(session, duplicate, command_id=command_id, action="merge")
    await store.commit_problem(session, target, command_id=command_id,
                               action="attach_duplicate")
    return duplicate, target


async def register(session: AsyncSession, ctx: LedgerContext, new: registration.NewProblem
                   ) -> tuple[store.LoadedProblem, bool]:
    """登记 by the commission itself (专项监督, 巡察 found on the spot). The same key twice
    returns the problem registered the first time (an idempotent retry)."""
    existing = await store.load_problem(session, store.problem_id_for(new.problem_key),
                                        lock=False)
    if existing is not None:
        return existing, False
    loaded = await registration.register(session, ctx, new, command_id=store.new_command_id())
    return loaded, True
