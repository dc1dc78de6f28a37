from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import pdf

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceLettersToPost(RelanceCommon):
    """Approving says what was sent; letters wait in the queue to post."""

    def _approve_letters(self, email=True):
        """Two customers whose J+1 reminder, by email and letter (or by letter
        only), waits for approval; approved from the follow-up screen."""
        level = self.level_by_days[1]
        level.write(
            {"to_confirm": True, "channel_letter": True, "channel_email": email}
        )
        self.customer_2.write(
            {"street": "8 avenue Foch", "zip": "75016", "city": "Paris"}
        )
        first = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        second = self._invoice(self.customer_2, 300.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
            histories = self._histories(first | second)
            self.assertEqual(set(histories.mapped("state")), {"to_confirm"})
            self.assertFalse(
                any(histories.mapped("postal_state")), "nothing to post yet"
            )
            with freeze_time(self.DUE):
                rows = self.env["account.relance.followup"].search(
                    [("partner_id", "in", (self.customer | self.customer_2).ids)]
                )
                # real PDFs, as in production, to merge them
                result = rows.with_context(force_report_rendering=True).action_approve()
        return histories, result

    def test_approve_letters_only_says_no_email(self):
        """A letter-only reminder approved: the notice speaks of letters to
        post, not of "0 emails sent"."""
        _histories, result = self._approve_letters(email=False)
        message = result["params"]["message"]
        self.assertIn("Letters to post by registered mail: 2.", message)
        self.assertNotIn("Emails sent", message)

    def test_approve_notifies_and_queues_letters(self):
        histories, result = self._approve_letters()
        params = result["params"]
        self.assertEqual(params["type"], "success")
        self.assertIn("Customers: 2.", params["message"])
        self.assertIn("Emails sent: 2.", params["message"])
        self.assertIn("Letters to post by registered mail: 2.", params["message"])
        # never sticky: it would hide the right-hand columns under it; the
        # letters to post open next instead
        self.assertFalse(params["sticky"])
        self.assertEqual(params["next"]["type"], "ir.actions.act_window")
        self.assertEqual(
            params["next"]["id"],
            self.env.ref(
                "account_relance_fr.account_relance_history_to_post_action"
            ).id,
        )
        self.assertEqual(set(histories.mapped("state")), {"sent"})
        self.assertEqual(set(histories.mapped("postal_state")), {"to_post"})
        # the queue holds exactly these letters
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_history_to_post_action"
        )
        self.assertIn("search_default_to_post", action["context"])
        queue = self.env["account.relance.history"].search(
            [("postal_state", "=", "to_post")]
        )
        self.assertEqual(queue, histories)

    def test_print_queue_in_one_pdf_and_mark_posted(self):
        histories, _result = self._approve_letters()
        action = histories.action_print_letters()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        merged = self.env["ir.attachment"].browse(attachment_id)
        self.assertEqual(merged.mimetype, "application/pdf")
        pages = sum(
            len(pdf.PdfFileReader(pdf.io.BytesIO(letter.raw)).pages)
            for letter in histories.letter_attachment_id
        )
        self.assertEqual(
            len(pdf.PdfFileReader(pdf.io.BytesIO(merged.raw)).pages), pages
        )
        self.assertEqual(len(histories.letter_attachment_id), 2, "one per customer")
        first = histories.filtered(lambda h: h.partner_id == self.customer)
        first.lrar_number = "1A 123 456 7890 1"
        with freeze_time(self.DUE + timedelta(days=1)):
            first.action_mark_posted()
        self.assertEqual(first.postal_state, "posted")
        self.assertEqual(first.posted_date, self.DUE + timedelta(days=1))
        other = histories - first
        self.assertEqual(other.postal_state, "to_post")
        # the acknowledgment of receipt comes back
        first.write(
            {
                "postal_state": "delivered",
                "ack_date": self.DUE + timedelta(days=3),
                "ack_scan": b"JVBERi0=",
                "ack_scan_name": "AR.pdf",
            }
        )
        self.assertEqual(first.postal_state, "delivered", "kept by the compute")
        self.assertEqual(first.state, "sent")
