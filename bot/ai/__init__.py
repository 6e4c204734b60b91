"""The optional language model: its client and the answers each feature expects. Every feature works without it."""
