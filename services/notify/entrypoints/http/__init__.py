"""Notify HTTP API (通知服务接口), one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from services.notify.entrypoints.http import directory, notices, notifications, subscriptions

routers: list[APIRouter] = [
    subscriptions.router,
    notifications.router,
    directory.router,
    notices.router,
]
