"""Operations: backup and restore of the database (docs/backup.md)."""
