"""Which team a flag belongs to: the teams' categories, the rules and phrasebook that read a flag, the
model's triage, and what corrections taught."""
