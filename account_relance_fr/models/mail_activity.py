from odoo import models
from odoo.exceptions import RedirectWarning


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _get_relance_calls(self):
        """The reminder calls among these activities: those of the reminder
        call type, and those a reminder scheduled (a level may use another
        activity type). One query for the whole set."""
        call_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_call",
            raise_if_not_found=False,
        )
        scheduled = (
            self.env["account.relance.history"]
            .sudo()
            .search([("activity_id", "in", self.ids), ("channel", "=", "call")])
            .activity_id
            if self.ids
            else self.browse()
        )
        return self.filtered(
            lambda activity: activity.activity_type_id == call_type
            or activity in scheduled
        )

    def _get_relance_call_outcome_action(self, feedback=False):
        """The window action of the call outcome wizard for the first reminder
        call of ``self``, the comment already typed kept as its note; False
        when none of these activities is a reminder call."""
        calls = self._get_relance_calls()
        if not calls:
            return False
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.relance_call_outcome_wizard_action"
        )
        action["context"] = {
            "default_activity_id": calls[0].id,
            "default_feedback": feedback or False,
        }
        return action

    def action_relance_call_outcome(self, feedback=False):
        """Open the outcome wizard of a reminder call (the chatter's "Done").

        :param feedback: the comment typed in the "Mark Done" popover
        :return: the wizard's window action, or False when the activity is not
            a reminder call (the caller then marks it done as usual)
        """
        return self._get_relance_call_outcome_action(feedback=feedback)

    def action_done(self):
        """The activity form's "Mark as Done" opens the outcome of a call."""
        if not self.env.context.get("relance_call_outcome_recorded"):
            action = self.filtered("active")._get_relance_call_outcome_action()
            if action:
                return action
        return super().action_done()

    def action_feedback_schedule_next(self, feedback=False, attachment_ids=None):
        """ "Done & Schedule Next" on a call opens its outcome instead: the
        outcome itself decides what follows (promise, new call, task)."""
        if not self.env.context.get("relance_call_outcome_recorded"):
            action = self._get_relance_call_outcome_action(feedback=feedback)
            if action:
                return action
        return super().action_feedback_schedule_next(
            feedback=feedback, attachment_ids=attachment_ids
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        """A reminder call is completed through its outcome, never blindly.

        The web client opens the outcome wizard itself; this refusal only
        guards the other paths (RPC, server actions)."""
        if not self.env.context.get("relance_call_outcome_recorded"):
            action = self._get_relance_call_outcome_action(feedback=feedback)
            if action:
                raise RedirectWarning(
                    self.env._(
                        "Record the outcome of the reminder call before closing it."
                    ),
                    action,
                    self.env._("Record the outcome"),
                )
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _to_store(self, store):
        """Tell the web client which activities are reminder calls, so that
        "Done" opens their outcome wizard without a round trip."""
        res = super()._to_store(store)
        calls = self._get_relance_calls()
        for activity in self:
            store.add(activity, {"relance_call": activity in calls})
        return res
