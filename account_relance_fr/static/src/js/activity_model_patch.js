/** @odoo-module **/

import { Activity } from "@mail/core/web/activity_model";
import { patch } from "@web/core/utils/patch";

/**
 * "Done" on a reminder call opens its outcome wizard, with the comment already
 * typed, instead of closing the call: the server refuses to close a reminder
 * call without its outcome.
 */
patch(Activity.prototype, {
    async openRelanceCallOutcome() {
        const action = await this.store.env.services.orm.call(
            "mail.activity",
            "action_relance_call_outcome",
            [[this.id]],
            { feedback: this.feedback || false }
        );
        await new Promise((resolve) =>
            this.store.env.services.action.doAction(action, { onClose: resolve })
        );
        this.store.activityBroadcastChannel?.postMessage({
            type: "RELOAD_CHATTER",
            payload: { id: this.res_id, model: this.res_model },
        });
    },

    async markAsDone(attachmentIds = []) {
        if (this.relance_call) {
            return this.openRelanceCallOutcome();
        }
        return super.markAsDone(...arguments);
    },

    async markAsDoneAndScheduleNext() {
        if (this.relance_call) {
            await this.openRelanceCallOutcome();
            return false;
        }
        return super.markAsDoneAndScheduleNext(...arguments);
    },
});
