"""The alliance's route: its phases, checklists from practice and stage."""
