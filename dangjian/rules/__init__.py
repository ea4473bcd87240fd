"""Pure-Python party-work rules. NO Django imports here: rules are tested directly and reused
by services, imports and other tools. Each rule set is a versioned policy object."""


class RuleError(ValueError):
    """A rule was broken or an input is invalid; the message is Chinese and user-facing."""
