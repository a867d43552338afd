"""Contact moments per family and discipline (monitoring, guide §7.2): that there was contact,
when, by which discipline and in which form; the content belongs in the dossier."""
