/** @odoo-module **/

import { registry } from "@web/core/registry";

const { DateTime } = luxon;

/**
 * The salesperson opens the customer to call, clicks "Done" on the reminder
 * call with a comment, and records a promise to pay in the outcome wizard that
 * opens directly, the comment kept.
 */
registry.category("web_tour.tours").add("relance_call_outcome", {
    steps: () => [
        {
            content: "Open the 'Mark Done' popover of the reminder call",
            trigger: ".o-mail-Activity:contains('Call') .o-mail-Activity-markDone",
            run: "click",
        },
        {
            content: "Type what the customer said",
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            run: "edit Will pay by transfer on Friday",
        },
        {
            content: "Done",
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label='Done']",
            run: "click",
        },
        {
            content: "The outcome wizard opens with the comment, no warning dialog",
            trigger:
                ".modal .o_form_view div[name='feedback'] textarea:value(Will pay by transfer on Friday)",
        },
        {
            content: "Promise to pay in five days",
            trigger: ".modal div[name='promise_date'] input",
            run: `edit ${DateTime.now().plus({ days: 5 }).toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Record",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The chatter shows the outcome",
            trigger: ".o-mail-Message:contains('Promise to Pay'):contains('Will pay by transfer')",
        },
        {
            content: "The call is done",
            trigger: ".o-mail-Chatter:not(:has(.o-mail-Activity))",
        },
    ],
});
