"""Assignment negotiation (交): from a registered suggestion to units that accepted it."""
