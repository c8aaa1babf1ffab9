"""Partial indexes on django-tasks-db's table for what this app scans.

Recovery scans RUNNING jobs by ``started_at`` every few seconds; the jobs page lists parked
(FAILED) jobs by ``finished_at``. django-tasks-db only indexes READY rows, and finished rows pile
up, so without these both would be full scans of the queue table.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX jobs_task_running_idx ON {TABLE} (started_at) WHERE status = 'RUNNING'",
            "DROP INDEX jobs_task_running_idx",
        ),
        migrations.RunSQL(
            f"CREATE INDEX jobs_task_failed_idx ON {TABLE} (finished_at) WHERE status = 'FAILED'",
            "DROP INDEX jobs_task_failed_idx",
        ),
    ]
