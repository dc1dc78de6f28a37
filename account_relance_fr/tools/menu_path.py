def menu_path(env, xmlid):
    """The path of a menu as the user sees it, e.g. "Invoicing > Configuration
    > Late-Payment Rates" on Community and "Accounting > ..." once the
    accounting app renames the root menu; in the user's language.

    :param env: the environment whose language the path is written in
    :param xmlid: the XML id of the ir.ui.menu
    :return: the path (str), or the empty string when the menu is not there
    """
    menu = env.ref(xmlid, raise_if_not_found=False)
    if not menu:
        return ""
    return " > ".join(part.strip() for part in menu.sudo().complete_name.split("/"))
