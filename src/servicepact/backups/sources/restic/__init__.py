from servicepact.backups.sources.restic.parser import parse

__all__ = ["parse"]
