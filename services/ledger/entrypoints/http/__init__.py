"""The ledger's HTTP API (问题台账), one router per resource."""

from fastapi import APIRouter

from . import class_cases, lifecycle, problems, reports, themes

ROUTERS: tuple[APIRouter, ...] = (
    problems.router, lifecycle.router, reports.router, themes.router, class_cases.router,
)
