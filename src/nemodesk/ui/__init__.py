"""Qt widgets on top of core and engine."""
