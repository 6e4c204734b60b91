"""The nudge commands: logging a check-in, snoozing and dismissing, updating criteria, drafting a message, and
`/tend nudges`."""
