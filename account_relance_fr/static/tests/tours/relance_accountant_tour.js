/** @odoo-module **/

import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { relanceScreenshot } from "@account_relance_fr/../tests/tours/relance_screenshot";

/**
 * The accountant's morning: the follow-up list opens on "To Do Today", she
 * previews and sends the reminder of one customer, approves the formal notice
 * of another, then prints the letters to post (opened right after the
 * approval) in one PDF.
 */
registry.category("web_tour.tours").add("relance_accountant", {
    steps: () => [
        {
            content: "The list opens on the customers to handle today",
            trigger: ".o_searchview_facet:contains('To Do Today')",
        },
        {
            content: "The customer whose reminder is due today is listed",
            trigger: ".o_list_view .o_data_row:contains('Boulangerie Martin')",
        },
        {
            content: "The customer whose formal notice waits for approval is listed",
            trigger: ".o_list_view .o_data_row:contains('Garage Dupont'):contains('Approve')",
        },
        relanceScreenshot("followup-today", ".o_list_view .o_data_row"),
        {
            content: "Open the customer whose reminder is due",
            trigger: ".o_data_row:contains('Boulangerie Martin') td[name='partner_id']",
            run: "click",
        },
        {
            content: "Send a reminder now",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_send_now']",
            run: "click",
        },
        {
            content: "The wizard proposes the level due today",
            trigger: ".modal div[name='level_id'] input:value(Friendly reminder)",
        },
        {
            content: "Preview what the customer will receive",
            trigger: ".modal .nav-link:contains('Preview')",
            run: "click",
        },
        {
            content: "The preview shows the customer's invoice",
            trigger: ".modal div[name='preview_body'] table:contains('INV/'):contains('1,200.00')",
        },
        relanceScreenshot("send-preview", ".modal div[name='preview_body']"),
        {
            content: "Send it",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "The accountant is told it was sent",
            trigger: ".o_notification:contains('Friendly reminder sent to Boulangerie Martin')",
        },
        {
            content: "Back to the list",
            trigger: "body:not(:has(.modal)) .o_breadcrumb a:contains('Payment Reminders')",
            run: "click",
        },
        {
            content: "Open the customer whose formal notice waits",
            trigger: ".o_data_row:contains('Garage Dupont') td[name='partner_id']",
            run: "click",
        },
        {
            content: "Approve the formal notice",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_approve']",
            run: "click",
        },
        {
            content: "The approval says a letter must be posted by registered mail",
            trigger: ".o_notification:contains('Letters to post by registered mail: 1')",
            // the letter is printed (wkhtmltopdf) before the answer comes
            timeout: 60000,
        },
        {
            content: "The letters to post open next, the formal notice among them",
            trigger:
                ".o_action:has(.o_last_breadcrumb_item:contains('Letters to Post')) .o_data_row:contains('Garage Dupont'):contains('Formal notice')",
        },
        {
            content: "The notice closes by itself: it hides no column of the list",
            trigger: "body:not(:has(.o_notification)) .o_list_view th[data-name='postal_state']",
            timeout: 20000,
        },
        relanceScreenshot("letters-to-post", ".o_list_view .o_data_row"),
        {
            content: "Select all the letters",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Print them in one PDF (the download is caught)",
            trigger: "button[name='action_print_letters']",
            run(helpers) {
                browser.open = (url) => {
                    window.relancePrintedUrl = url;
                };
                return helpers.click();
            },
        },
        {
            content: "The PDF of the letters is downloaded",
            trigger: "body",
            async run() {
                const start = Date.now();
                while (!window.relancePrintedUrl) {
                    if (Date.now() - start > 30000) {
                        throw new Error("No PDF was downloaded");
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                const response = await fetch(window.relancePrintedUrl);
                const type = response.headers.get("Content-Type");
                if (!response.ok || !type.includes("application/pdf")) {
                    throw new Error(`Not a PDF: ${response.status} ${type}`);
                }
            },
        },
    ],
});
