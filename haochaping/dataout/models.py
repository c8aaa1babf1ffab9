"""Tables of the data-out app (defined in :mod:`haochaping.dataout.outbox`)."""

from haochaping.dataout.outbox import AuditEntry, OutboxAttempt, OutboxMessage, ReconciliationRun

__all__ = ["AuditEntry", "OutboxAttempt", "OutboxMessage", "ReconciliationRun"]
