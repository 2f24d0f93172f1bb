"""ServicePact: server maintenance and after-sales service contracts with exact SLA clocks."""

__version__ = "0.1.0"
