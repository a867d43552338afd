"""MDO: series and meetings, agendas built from the caseload, attendance and quorum,
minutes per family with revisions, outcomes and actions followed up."""
