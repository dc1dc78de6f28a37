/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A customer opens the link of a reminder and pays everything with Odoo's demo
 * card provider; the page comes back with the invoices paid.
 */
registry.category("web_tour.tours").add("relance_portal_pay_all", {
    steps: () => [
        {
            content: "The seller's identity is shown",
            trigger: "footer:contains('SIREN')",
        },
        {
            content: "Pay all the open invoices",
            trigger: "form.o_relance_currency button[name='relance_pay']",
            run: "click",
        },
        {
            content: "The amount to pay is the whole balance",
            trigger: "#relance_pay_amount",
        },
        {
            content: "Choose the demo card",
            trigger: "input[name='o_payment_radio'][data-provider-code='demo']",
            run: "click",
        },
        {
            content: "Type a card number",
            trigger: "input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the customer page: the payment is confirmed",
            trigger: "#relance_payment_status .alert-success",
            timeout: 20000,
        },
        {
            content: "Nothing left to pay",
            trigger: "#relance_nothing_due",
        },
    ],
});
