"""Flags: customer problems raised by anyone, routed to a team, worked to resolution against an SLA."""
