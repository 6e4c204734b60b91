"""Domain services: plain functions over a session that return domain results; no chat platform here."""
