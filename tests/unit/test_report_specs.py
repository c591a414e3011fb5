"""Each report has one name, and every place that identifies it uses that name: the ledger's
idempotency key, the DAG id and its (wiring-only) file, the CLI subcommand, the templates, the
subject."""

from __future__ import annotations

from pathlib import Path

import pytest
from maicro.cli import build_parser
from maicro.reports import specs

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "include" / "maicro" / "reports" / "templates"


def test_the_two_reports_and_their_names():
    assert {s.name: (s.kind, s.dag_id) for s in specs.REPORTS.values()} == {
        "daily_pnl": ("daily", "report_daily_pnl"),
        "weekly_risk": ("weekly", "report_weekly_risk"),
    }
    assert specs.by_kind("daily").subject("2026-03-09", "+$1.00 (gain)", incomplete=True) == (
        "[INCOMPLETE] Daily PnL 2026-03-09: +$1.00 (gain)"
    )


@pytest.mark.parametrize("name", list(specs.REPORTS))
def test_dag_file_is_wiring_only_and_named_after_the_report(name):
    spec = specs.get(name)
    source = (ROOT / "dags" / f"{spec.dag_id}.py").read_text()
    code = [line for line in source.splitlines() if line.strip() and not line.startswith('"""')]
    assert f'report_dag("{name}")' in source
    assert len(code) <= 2, code  # the import and the call


@pytest.mark.parametrize("name", list(specs.REPORTS))
def test_templates_are_named_after_the_report(name):
    assert (TEMPLATES / f"{name}.html.j2").is_file()
    assert (TEMPLATES / f"{name}.txt.j2").is_file()


@pytest.mark.parametrize("name", list(specs.REPORTS))
def test_cli_subcommand_is_the_report_name_and_its_short_form(name):
    spec = specs.get(name)
    period = "2026-03-09" if spec.kind == "daily" else "2026-W10"
    for command in (name, spec.cli_alias):
        args = build_parser().parse_args(["report", command, spec.period_option, period])
        assert (args.kind, args.period) == (spec.kind, period)


def test_unknown_report_is_a_one_line_error():
    from maicro.errors import MaicroError

    with pytest.raises(MaicroError, match="unknown report 'monthly'; expected one of daily_pnl"):
        specs.get("monthly")
