from servicepact.backups.sources.generic.parser import parse

__all__ = ["parse"]
