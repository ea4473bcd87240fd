"""Navigation entries and home panels of member development (registered from apps.ready)."""
