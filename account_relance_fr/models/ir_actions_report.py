import io

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from odoo import models
from odoo.tools.pdf import PdfFileReader, PdfFileWriter, merge_pdf

# The letters of the add-on: one sheet, page numbers "1/2" stamped in the
# bottom margin of each letter (Debian's wkhtmltopdf prints no report footer).
RELANCE_LETTER_REPORTS = (
    "account_relance_fr.report_relance_letter",
    "account_relance_fr.report_relance_formal_notice",
    "account_relance_fr.report_relance_statement",
    "account_relance_fr.report_relance_plan",
)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Number the pages of each of our letters ("1/2", "2/2").

        Each customer's letter is rendered on its own so that its pages are
        numbered from 1; the letters are then put in one PDF. Other reports,
        and the HTML that tests get instead of a PDF, are left as they are.
        """
        report = self._get_report(report_ref)
        if report.report_name not in RELANCE_LETTER_REPORTS:
            return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        if isinstance(res_ids, int):
            res_ids = [res_ids]
        if res_ids and len(res_ids) > 1:
            parts = [
                self._render_qweb_pdf(report_ref, res_ids=[res_id], data=data)
                for res_id in res_ids
            ]
            if all(kind == "pdf" for _content, kind in parts):
                return merge_pdf([content for content, _kind in parts]), "pdf"
        content, kind = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        if kind == "pdf" and content[:4] == b"%PDF":
            content = self._relance_number_pages(content)
        return content, kind

    def _relance_number_pages(self, content):
        """Stamp "page/pages" at the bottom right of every page of ``content``
        (a PDF, bytes), as selectable text; a one-page PDF is left as is.

        :return: the PDF, bytes
        """
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        count = reader.getNumPages()
        if count < 2:
            return content
        packet = io.BytesIO()
        stamp = canvas.Canvas(packet)
        for number in range(count):
            box = reader.getPage(number).mediaBox
            width = float(abs(box.getWidth()))
            stamp.setPageSize((width, float(abs(box.getHeight()))))
            stamp.setFont("Helvetica", 8)
            stamp.drawRightString(width - 15 * mm, 6 * mm, f"{number + 1}/{count}")
            stamp.showPage()
        stamp.save()
        stamps = PdfFileReader(packet, strict=False)
        writer = PdfFileWriter()
        for number in range(count):
            page = reader.getPage(number)
            page.mergePage(stamps.getPage(number))
            # the merge leaves the page's text uncompressed: 4 times the size
            page.compressContentStreams()
            writer.addPage(page)
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()
