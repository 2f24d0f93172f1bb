"""The tiers tests use the project's ``clock`` fixture and billing's fixed June."""
