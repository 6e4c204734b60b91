"""Nudges: why an account needs a touch, when its CSM hears of it, and what the CSM does about it."""
