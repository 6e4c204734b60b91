"""Accounts: finding them by name, their status, what is wrong with them, and their briefings."""
