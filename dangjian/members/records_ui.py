"""Menu entries and home panels of this area (imported by MembersConfig.ready)."""
