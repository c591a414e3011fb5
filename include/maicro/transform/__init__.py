"""Analytics: the dbt project in `dbt_project/`, run as a subprocess against the cloud ClickHouse.

`dbt_env` turns a server name into the environment `profiles.yml` reads, `runner` runs dbt with
it (build, parse, docs), `dbt_exec` is the same as an executable for cosmos, `cli` adds
`maicro transform` and `maicro docs`.
"""
