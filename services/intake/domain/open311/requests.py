"""Service requests: `POST /requests` form -> complaint, and complaints -> request bodies.

Location: `address_id` is our statistical division code (9-digit town or 12-digit village);
`address_string` is matched against the registry's names (长泰区坂里乡正达村) and refused when not
unique; `lat`/`long` alone cannot be placed (no geodata for village boundaries) and is refused
with a message naming the two fields that work. `device_id` and `account_id` are not kept:
nothing in the product needs them, and both can identify a reporter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..complaint import EARLIEST_YEAR, LATEST_YEAR, Complaint
from ..divisions import DivisionRegistry, Place
from ..errors import IntakeRejected
from ..protection.redaction import redact
from ..routing import Routing
from ..validation import validate_complaint
from ..vocabulary import Category, Channel, Level, ReporterMode
from .errors import Open311Error, Open311Rejected, from_field_errors
from .services import ATTRIBUTES, Datatype

MAX_DESCRIPTION = 4_000  # the spec's limit for `description`
MAX_RANGE = timedelta(days=90)  # the spec's default window and our maximum span
MAX_RESULTS = 1_000
_ATTRIBUTE = re.compile(r"^attribute\[([a-z_]+)\](\[\])?$")

# Our field paths -> the Open311 parameter the client sent, for error descriptions.
FIELD_MAP = {
    "category": "service_code",
    "place_code": "address_id",
    "description": "description",
    "reporter": "attribute[reporter_mode]",
    "reporter.mode": "attribute[reporter_mode]",
    "reporter.contact.name": "last_name",
    "reporter.contact.email": "email",
    "reporter.contact.phone": "phone",
    "subject": "attribute[subject_name]",
    "subject.name": "attribute[subject_name]",
    "subject.unit": "attribute[subject_unit]",
    "subject.role": "attribute[subject_role]",
    "occurred_at": "attribute[occurred_at]",
    "amount_yuan": "attribute[amount_yuan]",
    "land_mu": "attribute[land_mu]",
    "channel_meta.media_url": "media_url",
}


def _bad(description: str, code: int = 400) -> Open311Rejected:
    return Open311Rejected([Open311Error(code, description)])


def _collect(form: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Plain parameters (last wins) and `attribute[code]` / `attribute[code][]` values."""
    params: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for key, value in form:
        match = _ATTRIBUTE.match(key)
        if match:
            attributes.setdefault(match.group(1), []).append(value)
        else:
            params[key] = value.strip()
    return params, attributes


def _place_code(params: Mapping[str, str], registry: DivisionRegistry) -> str:
    if params.get("address_id"):
        return params["address_id"]
    if params.get("address_string"):
        place = registry.find_by_address(params["address_string"])
        if place is None:
            raise _bad("address_string: 无法唯一确定乡镇或村,请提供 address_id(统计用区划代码)")
        return place.code
    if params.get("lat") or params.get("long"):
        raise _bad("lat/long: 暂不支持按坐标定位,请提供 address_id(区划代码)或 address_string")
    raise _bad("address_id: 须提供 address_id、address_string 或 lat/long 之一")


def _attribute_values(
    category: Category, attributes: Mapping[str, list[str]]
) -> dict[str, str | list[str]]:
    known = {a.code: a for a in ATTRIBUTES[category]}
    errors = [
        Open311Error(400, f"attribute[{code}]: 服务 {category.value} 没有此属性")
        for code in attributes if code not in known
    ]
    values: dict[str, str | list[str]] = {}
    for code, attribute in known.items():
        given = [v.strip() for v in attributes.get(code, []) if v.strip()]
        if attribute.required and not given:
            errors.append(Open311Error(400, f"attribute[{code}]: 必填属性缺失"))
        if attribute.datatype is Datatype.MULTIVALUELIST:
            values[code] = given
        elif len(given) > 1:
            errors.append(Open311Error(400, f"attribute[{code}]: 只能填写一个值"))
        elif given:
            values[code] = given[0]
    if errors:
        raise Open311Rejected(errors)
    return values


def _reporter(params: Mapping[str, str], mode: str | None) -> dict[str, Any]:
    # Chinese names are family name first: 陈 + 某某, with no space between.
    family, given = params.get("last_name", ""), params.get("first_name", "")
    name = f"{family}{given}" if _is_cjk(family + given) else " ".join(filter(None, [given, family]))
    contact = {"name": name, "email": params.get("email"), "phone": params.get("phone")}
    contact = {k: v for k, v in contact.items() if v}
    if mode is None:
        # A reporter who left details but chose nothing is protected, not exposed.
        mode = ReporterMode.CONFIDENTIAL.value if contact else ReporterMode.ANONYMOUS.value
    return {"mode": mode, "contact": contact} if contact else {"mode": mode}


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def parse_post_request(
    form: Iterable[tuple[str, str]], registry: DivisionRegistry, *, now: datetime
) -> Complaint:
    """`POST /requests` form fields -> accepted complaint, or Open311Rejected.

    `api_key` is checked by the lead's auth before this runs; it is dropped here and never
    stored. Idempotency for Open311 clients comes from the `Idempotency-Key` header.
    """
    params, attributes = _collect(form)
    service_code = params.get("service_code", "")
    try:
        category = Category(service_code)
    except ValueError:
        raise _bad(f"service_code: 服务 {service_code!r} 不存在") from None
    description = params.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        raise _bad(f"description: 不超过 {MAX_DESCRIPTION} 字")
    values = _attribute_values(category, attributes)
    subject: dict[str, Any] | None = None
    if any(values.get(k) for k in ("subject_name", "subject_unit", "subject_role")):
        subject = {
            "name": values.get("subject_name"),
            "unit": values.get("subject_unit"),
            "role": values.get("subject_role", "other"),
        }
    body: dict[str, Any] = {
        "channel": Channel.ONLINE,
        "place_code": _place_code(params, registry),
        "category": category,
        "description": description,
        "subject": subject,
        "occurred_at": values.get("occurred_at"),
        "amount_yuan": values.get("amount_yuan"),
        "land_mu": values.get("land_mu"),
        "reporter": _reporter(params, _single(values.get("reporter_mode"))),
        "channel_meta": {"via": "open311"}
        | ({"media_url": params["media_url"]} if params.get("media_url") else {}),
    }
    try:
        return validate_complaint(
            {k: v for k, v in body.items() if v is not None}, registry, now=now
        )
    except IntakeRejected as exc:
        raise from_field_errors(exc.errors, FIELD_MAP) from exc


def _single(value: str | list[str] | None) -> str | None:
    return value if isinstance(value, str) else None


def post_response(service_request_id: str, query_code: str | None) -> list[dict[str, object]]:
    """Body of `POST /requests`: the id at once (type realtime); an anonymous reporter's query
    code goes in `service_notice`, the one place the spec offers for a message to the submitter.
    """
    notice = "已受理。"
    if query_code:
        notice += f"您的查询码:{query_code}。请妥善保存,凭此码查询进度并评价处理结果,遗失无法找回。"
    return [{"service_request_id": service_request_id, "service_notice": notice,
             "account_id": None}]


def token_response(token: str, service_request_id: str | None) -> list[dict[str, object]]:
    """Body of `GET /tokens/{token}`. Requests are realtime, so a token is the request id."""
    return [{"service_request_id": service_request_id, "token": token}]


# --- reading requests back -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestView:
    """What the lead gathers for one request: intake's row plus the ledger's status."""

    service_request_id: str
    category: Category
    description: str
    place: Place
    routing: Routing
    requested_at: datetime
    closed: bool  # ledger status folded to the spec's two: open / closed
    status_notes: str | None = None
    updated_at: datetime | None = None
    expected_at: datetime | None = None  # ledger deadline
    media_url: str | None = None

    @classmethod
    def of(
        cls, complaint_id: str, complaint: Complaint, *, closed: bool = False, **ledger: Any
    ) -> RequestView:
        return cls(
            service_request_id=complaint_id,
            category=complaint.category,
            description=complaint.description,
            place=complaint.place,
            routing=complaint.routing,
            requested_at=complaint.received_at,
            closed=closed,
            media_url=complaint.channel_meta.get("media_url"),
            **ledger,
        )


def agency_responsible(place: Place, routing: Routing) -> str:
    """The commission that handles it (never an officer): 坂里乡纪委, or one level up if 提级."""
    if routing.handling_level is Level.TOWN:
        return f"{place.county.name}{place.town.name}纪委"
    if routing.handling_level is Level.COUNTY:
        return f"{place.county.name}纪委监委"
    if routing.handling_level is Level.CITY:
        return f"{place.city.name}纪委监委"
    return "省纪委监委"


def _w3c(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def request_body(view: RequestView) -> dict[str, object]:
    """One element of `GET /requests` / `GET /requests/{id}`, every field the spec lists.

    The description is redacted (phones, ID numbers, emails) because request lists are meant to
    be readable by other systems; reporter data and officers' names are never in a view.
    """
    return {
        "service_request_id": view.service_request_id,
        "status": "closed" if view.closed else "open",
        "status_notes": redact(view.status_notes) if view.status_notes else None,
        "service_name": view.category.label,
        "service_code": view.category.value,
        "description": redact(view.description),
        "agency_responsible": agency_responsible(view.place, view.routing),
        "service_notice": None,
        "requested_datetime": _w3c(view.requested_at),
        "updated_datetime": _w3c(view.updated_at or view.requested_at),
        "expected_datetime": _w3c(view.expected_at),
        "address": view.place.full_name,
        "address_id": view.place.code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": view.media_url,
    }


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """Parsed `GET /requests` filters; `ids` set means the other filters are ignored (spec)."""

    ids: tuple[str, ...]
    service_codes: tuple[Category, ...]
    start: datetime
    end: datetime
    statuses: tuple[str, ...]  # subset of ("open", "closed")
    limit: int = MAX_RESULTS


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _date(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{name}: 须为 W3C 日期时间,如 2024-05-01T00:00:00+08:00") from None
    if moment.tzinfo is None:
        raise _bad(f"{name}: 须带时区")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:  # also keeps the window arithmetic in range
        raise _bad(f"{name}: 须在 {EARLIEST_YEAR}–{LATEST_YEAR} 年之间")
    return moment


def parse_request_query(params: Mapping[str, str], *, now: datetime) -> RequestQuery:
    """`GET /requests` query -> filters; the default window is the last 90 days."""
    codes = []
    for code in _csv(params.get("service_code")):
        try:
            codes.append(Category(code))
        except ValueError:
            raise _bad(f"service_code: 服务 {code!r} 不存在") from None
    statuses = _csv(params.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        raise _bad("status: 只能是 open 或 closed")
    end = _date(params, "end_date") or now
    start = _date(params, "start_date") or end - MAX_RANGE
    if start > end:
        raise _bad("start_date: 不能晚于 end_date")
    if end - start > MAX_RANGE:
        raise _bad("start_date/end_date: 时间跨度不超过90天")
    return RequestQuery(
        ids=tuple(_csv(params.get("service_request_id"))),
        service_codes=tuple(codes),
        start=start,
        end=end,
        statuses=tuple(statuses),
    )
