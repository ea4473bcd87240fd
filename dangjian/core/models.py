"""Core has no tables of its own; shared machinery lives in modules beside this file."""
