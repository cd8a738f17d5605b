"""An Airflow DAG: every night one task per base mirrors it into the warehouse (each task its own retries
and its own status in Airflow's grid); a report task runs when all of them are done.

Put this file in the DAGs folder; the workers need onec-history installed, ONEC_CONFIG naming the config
file and ONEC_MIRROR_DB the warehouse (an Airflow Variable or the worker's environment).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

BASES = ["msk", "spb"]  # the [bases.NAME] of the config file

with DAG(
    dag_id="onec_history_mirror",
    schedule="30 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["1c", "onec-history"],
) as dag:
    mirrors = [
        BashOperator(
            task_id=f"mirror_{base}",
            bash_command=f'onec-history --base {base} -q mirror --db "$ONEC_MIRROR_DB" --format json',
        )
        for base in BASES
    ]
    report = BashOperator(
        task_id="inactive_report",
        bash_command='onec-history --base all report inactive --days 30 --from-mirror "$ONEC_MIRROR_DB" '
                     '--format xlsx -o "/reports/inactive-{{ ds }}.xlsx"',
    )
    mirrors >> report
