"""The flag commands: /flag, the flag form, filing, the buttons on a flag, and the lists of flags."""
