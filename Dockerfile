# One image for every Python service of the stack (Airflow components, one-shot init jobs),
# installed from the same lock file as `make setup`.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/maicro/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/maicro/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False

RUN pip install --no-cache-dir uv==0.13.9 && useradd --create-home --uid 50000 airflow
WORKDIR /opt/maicro
COPY requirements.lock pyproject.toml README.md ./
RUN uv pip sync --system requirements.lock
COPY include ./include
COPY dags ./dags
COPY plugins ./plugins
COPY dbt_project ./dbt_project
# The manifest transform_analytics renders its tasks from (cosmos DBT_MANIFEST load mode): `dbt parse`
# needs no database, so it is built here and the DAG imports without a dbt run at parse time.
RUN uv pip install --system --no-deps -e . \
    && python -c "from maicro.transform.runner import build_manifest; build_manifest()" \
    && mkdir -p /opt/airflow && chown -R airflow /opt/airflow /opt/maicro
USER airflow
