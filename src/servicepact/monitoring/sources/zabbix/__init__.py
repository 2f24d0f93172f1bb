"""Zabbix webhook media type (servicepact_media_type.js) receiver."""
