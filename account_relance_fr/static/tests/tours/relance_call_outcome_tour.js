/** @odoo-module **/

import { registry } from "@web/core/registry";
import { relanceScreenshot } from "@account_relance_fr/../tests/tours/relance_screenshot";

const { DateTime } = luxon;

/**
 * The salesperson opens the Payment Reminders app, finds the customer to call
 * among his customers, opens its call activity, clicks "Done" with a comment,
 * and records a promise to pay in the outcome wizard that opens directly, the
 * comment kept.
 */
registry.category("web_tour.tours").add("relance_call_outcome", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Payment Reminders app",
            trigger: ".o_app:contains('Payment Reminders')",
            run: "click",
        },
        {
            content: "His customers to follow up: show them all",
            trigger: ".o_searchview_facet:contains('To Do Today') .o_facet_remove",
            run: "click",
        },
        {
            content: "The customer to call is one of his",
            trigger: ".o_list_view .o_data_row:contains('Boulangerie Martin')",
        },
        relanceScreenshot("my-customers", ".o_list_view .o_data_row"),
        {
            content: "Open the customer to call",
            trigger: ".o_data_row:contains('Boulangerie Martin') td[name='partner_id']",
            run: "click",
        },
        {
            content: "Open the customer's contact form, where the call is",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_open_customer']",
            run: "click",
        },
        relanceScreenshot("call-activity", ".o-mail-Activity:contains('Call')"),
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
            // five days from the company's day (Paris), not the browser's (UTC)
            content: "Promise to pay in five days",
            trigger: ".modal div[name='promise_date'] input",
            run: `edit ${DateTime.now()
                .setZone("Europe/Paris")
                .plus({ days: 5 })
                .toFormat("MM/dd/yyyy")}`,
        },
        relanceScreenshot("call-outcome", ".modal div[name='promise_date'] input"),
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
