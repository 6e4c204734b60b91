"""Tend's platform-neutral core: models, services, neutral messages; chat adapters live in subpackages."""
