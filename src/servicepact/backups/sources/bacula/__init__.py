from servicepact.backups.sources.bacula.parser import parse

__all__ = ["parse"]
