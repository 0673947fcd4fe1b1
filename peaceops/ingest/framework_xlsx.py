"""The XLSX layout of an indicator framework, for people who write frameworks in a spreadsheet.

``peaceops assess framework-template`` writes a workbook (empty, or filled from an existing
framework); ``read_xlsx`` reads it back into the same document a YAML file holds, remembering
which sheet and row each part came from so that validation errors point at the spreadsheet.

Sheets: ``framework`` (key, value), ``scales`` (scale, value, label_en, label_fr),
``institutions`` (code, name_en, name_fr, types), ``indicators`` (code, institution,
dimension, text_en, text_fr, direction, measure, weight, threshold_low, threshold_high,
sources, disaggregations) and ``items`` (indicator, code, source, text_en, text_fr, scale,
favourable, numerator_en, numerator_fr, denominator_en, denominator_fr). Lists are written
comma-separated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peaceops.errors import InputError

FRAMEWORK_KEYS = (
    "format",
    "code",
    "version",
    "title_en",
    "title_fr",
    "description_en",
    "description_fr",
)
SCALE_COLUMNS = ("scale", "value", "label_en", "label_fr")
INSTITUTION_COLUMNS = ("code", "name_en", "name_fr", "types")
INDICATOR_COLUMNS = (
    "code",
    "institution",
    "dimension",
    "text_en",
    "text_fr",
    "direction",
    "measure",
    "weight",
    "threshold_low",
    "threshold_high",
    "sources",
    "disaggregations",
)
ITEM_COLUMNS = (
    "indicator",
    "code",
    "source",
    "text_en",
    "text_fr",
    "scale",
    "favourable",
    "numerator_en",
    "numerator_fr",
    "denominator_en",
    "denominator_fr",
)
SHEETS = {
    "scales": SCALE_COLUMNS,
    "institutions": INSTITUTION_COLUMNS,
    "indicators": INDICATOR_COLUMNS,
    "items": ITEM_COLUMNS,
}


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    return [p.strip() for p in str(value).split(",") if p.strip()]


def _text(row: dict[str, Any], prefix: str) -> dict[str, str] | None:
    en, fr = row.get(f"{prefix}_en"), row.get(f"{prefix}_fr")
    if en is None and fr is None:
        return None
    return {"en": "" if en is None else str(en), "fr": "" if fr is None else str(fr)}


def write_xlsx(document: dict[str, Any] | None, path: Path) -> None:
    """Write a framework document (as ``FrameworkModel.model_dump``) or an empty template."""
    from openpyxl import Workbook

    doc = document or {}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "framework"
    ws.append(["key", "value"])
    ws.append(["format", "peaceops-framework/1"])
    ws.append(["code", doc.get("code", "")])
    ws.append(["version", doc.get("version", "")])
    for key in ("title", "description"):
        for lang in ("en", "fr"):
            ws.append([f"{key}_{lang}", (doc.get(key) or {}).get(lang, "")])
    sheets = {name: wb.create_sheet(name) for name in SHEETS}
    for name, columns in SHEETS.items():
        sheets[name].append(list(columns))
        sheets[name].freeze_panes = "A2"
    for code, scale in (doc.get("scales") or {}).items():
        for v in scale["values"]:
            sheets["scales"].append([code, v["value"], v["en"], v["fr"]])
    for inst in doc.get("institutions") or []:
        sheets["institutions"].append(
            [inst["code"], inst["name"]["en"], inst["name"]["fr"], ", ".join(inst["types"])]
        )
    for ind in doc.get("indicators") or []:
        sheets["indicators"].append(
            [
                ind["code"],
                ind["institution"],
                ind["dimension"],
                ind["text"]["en"],
                ind["text"]["fr"],
                ind["direction"],
                ind["measure"],
                ind["weight"],
                ind["thresholds"]["low"],
                ind["thresholds"]["high"],
                ", ".join(ind["sources"]),
                ", ".join(ind.get("disaggregations") or []),
            ]
        )
        for item in ind["items"]:
            num, den = item.get("numerator") or {}, item.get("denominator") or {}
            sheets["items"].append(
                [
                    ind["code"],
                    item["code"],
                    item["source"],
                    item["text"]["en"],
                    item["text"]["fr"],
                    item.get("scale") or "",
                    ", ".join(str(v) for v in item.get("favourable") or []),
                    num.get("en", ""),
                    num.get("fr", ""),
                    den.get("en", ""),
                    den.get("fr", ""),
                ]
            )
    wb.save(path)


def _rows(
    wb: Any, name: str, columns: tuple[str, ...], source: str
) -> list[tuple[int, dict[str, Any]]]:
    if name not in wb.sheetnames:
        raise InputError(f"the workbook has no '{name}' sheet", source=source)
    rows = wb[name].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    missing = [c for c in columns if c not in header and not c.endswith("_fr")]
    if missing and name != "framework":
        raise InputError(f"sheet '{name}' lacks column(s) {', '.join(missing)}", source=source)
    out = []
    for n, row in enumerate(rows, start=2):
        values = {
            h: (v.strip() if isinstance(v, str) else v) for h, v in zip(header, row, strict=False)
        }
        values = {k: (None if v == "" else v) for k, v in values.items() if k}
        if all(v is None for v in values.values()):
            continue
        out.append((n, values))
    return out


def read_xlsx(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The framework document of a workbook, and where each part came from.

    The second value maps document paths (``indicators[3]``, ``indicators[3].items[0]``) to
    ``sheet 'indicators', row 5`` so that validation errors can name the spreadsheet cell row.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    source = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", source=source) from None
    try:
        meta = {
            str(r.get("key")): r.get("value")
            for _, r in _rows(wb, "framework", ("key", "value"), source)
        }
        doc: dict[str, Any] = {
            "format": meta.get("format") or "peaceops-framework/1",
            "code": meta.get("code"),
            "version": None if meta.get("version") is None else str(meta.get("version")),
            "title": _text(meta, "title"),
            "description": _text(meta, "description"),
            "scales": {},
            "institutions": [],
            "indicators": [],
        }
        where: dict[str, str] = {}
        for _, r in _rows(wb, "scales", SCALE_COLUMNS, source):
            scale = doc["scales"].setdefault(str(r.get("scale")), {"values": []})
            scale["values"].append(
                {"value": r.get("value"), "en": r.get("label_en"), "fr": r.get("label_fr")}
            )
        for n, r in _rows(wb, "institutions", INSTITUTION_COLUMNS, source):
            where[f"institutions[{len(doc['institutions'])}]"] = f"sheet 'institutions', row {n}"
            doc["institutions"].append(
                {"code": r.get("code"), "name": _text(r, "name"), "types": _split(r.get("types"))}
            )
        by_code: dict[str, dict[str, Any]] = {}
        positions: dict[str, int] = {}
        for n, r in _rows(wb, "indicators", INDICATOR_COLUMNS, source):
            index = len(doc["indicators"])
            where[f"indicators[{index}]"] = f"sheet 'indicators', row {n}"
            indicator = {
                "code": r.get("code"),
                "institution": r.get("institution"),
                "dimension": r.get("dimension"),
                "text": _text(r, "text"),
                "direction": r.get("direction"),
                "measure": r.get("measure"),
                "weight": r.get("weight") if r.get("weight") is not None else 2,
                "thresholds": {"low": r.get("threshold_low"), "high": r.get("threshold_high")},
                "sources": _split(r.get("sources")),
                "disaggregations": _split(r.get("disaggregations")),
                "items": [],
            }
            doc["indicators"].append(indicator)
            by_code[str(r.get("code"))] = indicator
            positions[str(r.get("code"))] = index
        for n, r in _rows(wb, "items", ITEM_COLUMNS, source):
            parent = by_code.get(str(r.get("indicator")))
            if parent is None:
                raise InputError(
                    f"item {r.get('code')} names unknown indicator '{r.get('indicator')}'",
                    source=source,
                    line=n,
                    field="indicator",
                )
            item: dict[str, Any] = {
                "code": r.get("code"),
                "source": r.get("source"),
                "text": _text(r, "text"),
            }
            if r.get("scale") is not None:
                item["scale"] = str(r.get("scale"))
            favourable = _split(r.get("favourable"))
            if favourable:
                item["favourable"] = favourable
            for key in ("numerator", "denominator"):
                text = _text(r, key)
                if text is not None:
                    item[key] = text
            index = positions[str(r.get("indicator"))]
            where[f"indicators[{index}].items[{len(parent['items'])}]"] = f"sheet 'items', row {n}"
            parent["items"].append(item)
        return doc, where
    finally:
        wb.close()
