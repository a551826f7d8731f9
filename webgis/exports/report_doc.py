"""An incident report (初报, 续报, 处理结果报告) as a file: what the writers read and which
writer makes which format. No database, no Flask: the service hands over the report's row
(`webgis.services.reports.report_row`) and, for an initial report, the forecast it was
drafted from (its sketch map of sensitive points, Art. 13 of the 2011 measures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8), "CST")
#: What heads every report: the 2011 measures and the document's state.
MEASURES = "依据《突发环境事件信息报告办法》（环境保护部令第17号）第十二条至第十四条"
DRAFT_MARK = "草稿（未签发，不得报出）"
SKETCH_NOTE = ("附：可能受影响的环境敏感点分布示意图（第十三条；示意图，非按比例，"
               "到达时间与峰值为模型估算）")


@dataclass
class ReportDoc:
    """A report to render: its API row (kind, numbers, sections, who and when), the
    incident's title and kind (a drill says so), and the forecast for the sketch map."""

    row: dict[str, Any]
    incident_title: str = ""
    incident_kind: str = "incident"
    sketch_result: dict[str, Any] | None = None

    @property
    def issued(self) -> bool:
        return self.row.get("status") == "issued"

    def heading(self) -> str:
        """The document's title line."""
        drill = "【演练】" if self.incident_kind == "drill" else ""
        return f"{drill}突发环境事件{self.row.get('title', '')}"

    def meta_lines(self) -> list[tuple[str, str]]:
        """The head block: document number, incident, level, signer (Art. 14) and times."""
        r = self.row
        lines = [("文号", str(r.get("doc_no") or "")),
                 ("事件", f"{self.incident_title}（编号 {r.get('incident_id')}）")]
        if r.get("corrects_doc_no"):
            lines.append(("更正", f"本报告更正 {r['corrects_doc_no']}，以本报告为准"))
        level, how = r.get("level") or "—", r.get("report_as") or "—"
        lines.append(("报告级别", f"{level}级（按{how}级程序）"))
        lines.append(("起草", f"{r.get('drafted_by') or ''}  {stamp(r.get('drafted_at'))}"))
        if self.issued:
            lines.append(("签发人", f"{r.get('issued_by') or ''}  {stamp(r.get('issued_at'))}"))
        else:
            lines.append(("签发人", DRAFT_MARK))
        return lines

    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) of every section, in order."""
        return [(str(s.get("heading", "")), str(s.get("text") or ""))
                for s in self.row.get("sections") or []]

    def sketch_png(self) -> bytes | None:
        """The sketch map of sensitive points (initial reports), PNG bytes, or None."""
        if not self.sketch_result:
            return None
        from webgis.exports.context import SheetContext
        from webgis.exports.sketch import sketch_map

        ctx = SheetContext(result=self.sketch_result, incident_id=self.row.get("incident_id"),
                           title=self.incident_title, kind=self.incident_kind).from_result()
        n = len(ctx.receptors(("water_source", "section", "interception", "boundary")))
        height = min(max(40.0, 16.0 + 11.0 * n), 235.0)
        png = sketch_map(ctx, 170, height, 150)
        return png if isinstance(png, bytes) else None

    def all_text(self) -> str:
        """Every character printed (the PDF's font must cover them)."""
        parts = [self.heading(), MEASURES, DRAFT_MARK]
        parts += [f"{k}{v}" for k, v in self.meta_lines()]
        parts += [f"{h}{t}" for h, t in self.sections()]
        return "".join(parts)


def stamp(raw: Any) -> str:
    """An ISO time as Beijing time to the minute."""
    if not raw:
        return ""
    at = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CST).strftime("%Y-%m-%d %H:%M") + "（北京时间）"
