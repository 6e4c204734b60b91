"""Handling a chat request on any platform: the inbox it is recorded in before its ack, and its recording."""
