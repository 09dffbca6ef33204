"""XML bodies for the `.xml` format: the spec's element names, booleans as true/false."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.etree import ElementTree as ET

# Collections and the element name of their items, as the spec's examples use them.
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def _fill(element: ET.Element, value: object) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(element, str(key)), child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_name = _ITEM.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, body: object) -> str:
    """`to_xml("services", service_list())`; `service_definition` for a definition body."""
    element = ET.Element(root)
    _fill(element, body)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="unicode")
