"""Navigation entries and home panels of organizational life."""
