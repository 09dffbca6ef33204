"""Intake's pure domain 受理领域: no I/O (except `division_csv`, which reads the file it is given),
no clock (callers pass `now`), no database, Kafka or HTTP.

Where to look:
    vocabulary      Channel 渠道, Category 类别, SubjectRole, Level, ReporterMode 举报方式
    divisions       DivisionRegistry 行政区划: code -> Place (village/town/county/city)
    division_csv    load_registry(dir): the official CSV package, any province
    complaint       ComplaintIn (what callers send), Complaint (what was accepted)
    validation      validate_complaint(data, registry, now=...) -> Complaint | IntakeRejected
    errors          FieldError {field, code, message}; IntakeRejected.as_body() is the 422 body
    channels        accept_native(channel, record, ...): 12345, 信访, 网上, 巡察, 走访日志
    routing         derive_routing: the 提级 flag for complaints about a commission's own staff
    idempotency     channel_key, header_key, visit_key, payload_fingerprint
    protection/     sealing (AES-GCM key ring), query_code 查询码, reporter refs, redaction
    clustering      decide(report, candidates): same problem or new 重复举报归并
    open311/        GeoReport v2 services, requests, errors, XML
    bulk            parse_jsonl / parse_csv -> RowResult per row 批量导入
    progress        progress_view: status and timeline without officers or other reporters
    outbound        outbound_description: text for events, scrubbed of the reporter
    storable        unstorable: text PostgreSQL cannot keep (NUL, lone surrogates) as field errors
"""
