"""Pure functions that turn neutral replies into Block Kit, within Slack's limits."""
