"""Everything Tend sends later: the outbox rows written with the change that causes them, and their delivery."""
