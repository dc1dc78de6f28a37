from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    """The company's closing days are cached (res.company
    ``_get_relance_closing_ranges``): time off without an employee clears the
    cache when it changes."""

    _inherit = "resource.calendar.leaves"

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._relance_clear_closing_days()
        return leaves

    def write(self, vals):
        self._relance_clear_closing_days()
        result = super().write(vals)
        self._relance_clear_closing_days()
        return result

    def unlink(self):
        self._relance_clear_closing_days()
        return super().unlink()

    def _relance_clear_closing_days(self):
        """Forget the cached closing days when company-wide time off changes."""
        if self.filtered(lambda leave: not leave.resource_id):
            self.env.registry.clear_cache()
