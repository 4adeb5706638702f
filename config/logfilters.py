"""Logging filters that keep optional-dependency chatter out of operators' logs."""

import logging


class OptionalDependencyNotice(logging.Filter):
    """Drops aif360's import-time notices about optional extras this platform does not use."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (record.name == "root" and message.startswith("No module named"))
