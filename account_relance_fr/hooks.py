from .tools.followup_marks import uninstall_marks


def pre_init_hook(env):
    """Create the new stored columns up front so install does not recompute them."""
    env.cr.execute(
        """
        ALTER TABLE account_move
            ADD COLUMN IF NOT EXISTS relance_level_id INTEGER,
            ADD COLUMN IF NOT EXISTS relance_last_date DATE,
            ADD COLUMN IF NOT EXISTS relance_count INTEGER DEFAULT 0;
        ALTER TABLE res_partner
            ADD COLUMN IF NOT EXISTS relance_customer_type VARCHAR;
        UPDATE res_partner
           SET relance_customer_type = CASE WHEN is_company THEN 'company'
                                            ELSE 'individual' END
         WHERE relance_customer_type IS NULL;
        """
    )


def post_init_hook(env):
    """Every existing company gets the shipped ladders."""
    env["res.company"].search([])._relance_install_default_ladders()


def uninstall_hook(env):
    """Drop the triggers marking the follow-up rows (they write to a table
    of this add-on) and their table."""
    uninstall_marks(env.cr)
