"""People: who is asking (chat users mapped to Tend people) and when each person may be reached."""
