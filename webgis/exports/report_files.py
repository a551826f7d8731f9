"""Which writer makes which format of an incident report: ``docx`` (python-docx,
`webgis.exports.report_docx`) or ``pdf`` (ReportLab, `webgis.exports.report_pdf`)."""

from __future__ import annotations

from webgis.exports.report_doc import ReportDoc

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render_report(doc: ReportDoc, fmt: str) -> bytes:
    """The report as ``docx`` or ``pdf`` bytes."""
    if fmt == "docx":
        from webgis.exports.report_docx import build_docx

        return build_docx(doc)
    if fmt == "pdf":
        from webgis.exports.report_pdf import build_report_pdf

        return build_report_pdf(doc)
    raise ValueError(f"unknown report format {fmt}")
