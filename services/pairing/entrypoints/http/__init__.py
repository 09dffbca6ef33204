"""Pairing's HTTP API, one router per resource."""

from services.pairing.entrypoints.http import assignments, audit, officers, rosters, rounds

ROUTERS = [officers.router, rounds.router, assignments.router, rosters.router, audit.router]
