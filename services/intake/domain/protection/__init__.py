"""Reporter protection 举报人保护: identity sealing, query codes, opaque refs, redaction."""
