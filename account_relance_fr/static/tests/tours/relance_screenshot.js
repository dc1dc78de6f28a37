/** @odoo-module **/

/**
 * A tour step saving screenshots of the page at desktop and phone widths
 * (tests/tour_screenshots.py takes them, then releases the tour).
 *
 * @param {string} name file name part of the screenshots
 * @param {string} trigger what must be on the page first: it is scrolled
 *     into view at each width
 * @returns {Object} a tour step
 */
export function relanceScreenshot(name, trigger = "body") {
    return {
        content: `Screenshot: ${name}`,
        trigger,
        async run() {
            // brought into view at each width before the capture
            window.relanceScreenshotAnchor = this.anchor;
            console.log(`relance-screenshot:${name}`);
            const start = Date.now();
            while (window.relanceScreenshotDone !== name) {
                if (Date.now() - start > 60000) {
                    throw new Error(`Screenshot ${name} not taken`);
                }
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        },
    };
}
