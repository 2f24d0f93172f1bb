"""Generic JSON alerts, for anything that is neither Alertmanager nor Zabbix."""
