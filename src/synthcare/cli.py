"""The ``synthcare`` command line: schema, fit, sample, evaluate, control-arm, demo.

Errors raised on purpose (:class:`~synthcare.errors.SynthcareError`) are shown as one message
without a traceback and exit with status 2; warnings are shown as they happen.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from synthcare.errors import SynthcareError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Privacy-preserving synthetic health data: infer a schema, fit a model, sample a table.",
)
console = Console(stderr=True)
out = Console()


@contextmanager
def _friendly() -> Iterator[None]:
    """Show our errors and warnings as messages, not tracebacks."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except SynthcareError as exc:
            _show_warnings(caught)
            console.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False)
            raise typer.Exit(code=2) from None
        _show_warnings(caught)


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    seen = set()
    for w in caught:
        text = str(w.message)
        if text in seen or not issubclass(w.category, UserWarning):
            continue
        seen.add(text)
        console.print(f"[yellow]Warning:[/] {text}", highlight=False)


def _fit_with_progress(model, data, schema) -> None:  # noqa: ANN001
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]fitting[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),  # a wide laboratory panel can take many minutes
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        model.fit(data, schema=schema, progress=progress)


def _write_sample(model, rows: int, path: Path, seed: int | None, where: str | None = None,  # noqa: ANN001
                  rebalance: str | None = None, sep: str | None = None, decimal: str = ".") -> tuple:
    from synthcare.card import build_card, write_card
    from synthcare.data.io import write_table

    with console.status(f"sampling {rows:,} rows"):
        if rebalance is not None:
            from synthcare.sampling.rebalance import parse_mix, rebalanced_sample

            frame = rebalanced_sample(model, rows, parse_mix(rebalance), conditions=where, random_state=seed)
        else:
            frame = model.sample(rows, conditions=where, random_state=seed)
    write_table(frame, path, sep=sep, decimal=decimal)
    card = build_card(model, n_rows=len(frame), seed=seed, data_file=path.name)
    card["conditions"] = where
    card["rebalance"] = rebalance
    return frame, write_card(card, path)


_SEP_HELP = "Field separator of a CSV file, e.g. ';' (default: found from the file's lines)."
_DECIMAL_HELP = "Decimal mark of a CSV file: '.' or ',' (default: found from the file's numbers)."
_SHEET_HELP = "Sheet of an Excel workbook to read: its name or 0-based position (default: the first)."
_NA_HELP = "A value that marks a missing one, such as '.' in SAS exports (repeat for several)."
_MAX_CATEGORIES_HELP = "Most distinct values a text column may have to be modelled as categories (diagnosis codes)."


def _read(data: Path, encoding: str, sep: str | None, decimal: str | None, na: list[str],  # noqa: ANN202
          announce: bool = True, sheet: str | None = None):
    """read_table, saying how a CSV was read when that is not plain comma-separated with
    decimal points (a ';'-separated file with decimal commas, as European spreadsheets save)."""
    from synthcare.data.csvformat import CsvFormat, default_sep, sniff_csv
    from synthcare.data.io import read_table

    position = int(sheet) if sheet is not None and sheet.isdigit() else sheet
    frame = read_table(data, encoding=encoding, sep=sep, decimal=decimal, na_values=na, sheet=position)
    if announce and data.suffix.lower() not in {".parquet", ".pq", ".xlsx", ".xlsm"}:
        form = sniff_csv(data, encoding=encoding, sep=sep, decimal=decimal)
        if form != CsvFormat(sep=default_sep(data)):
            out.print(f"Read {data.name} as {form.describe()} (--sep / --decimal to change).")
    return frame


@app.command()
def schema(
    data: Path = typer.Argument(..., help="Table to describe: .csv, .parquet or .xlsx."),
    out_path: Path | None = typer.Option(None, "--out", help="Write the schema JSON here."),
    encoding: str = typer.Option("utf-8", help="Text encoding of a CSV file."),
    sep: str | None = typer.Option(None, "--sep", help=_SEP_HELP),
    decimal: str | None = typer.Option(None, "--decimal", help=_DECIMAL_HELP),
    na: list[str] = typer.Option([], "--na", help=_NA_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=_SHEET_HELP),
    max_categories: int = typer.Option(1000, "--max-categories", help=_MAX_CATEGORIES_HELP),
) -> None:
    """Infer the schema of DATA: each column's kind, bounds, categories and handling."""
    from synthcare.data.inference import infer_schema

    with _friendly():
        inferred = infer_schema(_read(data, encoding, sep, decimal, na, announce=out_path is not None, sheet=sheet),
                                max_categories=max_categories, strict=False)
        if out_path is None:
            out.print_json(inferred.to_json())
        else:
            inferred.save(out_path)
            table = Table("column", "kind", "action", "missing", title=f"schema of {data.name}")
            for col in inferred.columns:
                action = col.action
                if col.action == "fake":  # which fake values, in which locale: 'fake (last_name, de_DE)'
                    action = f"fake ({col.fake_provider}, {col.fake_locale or 'en_US'})"
                elif col.limits:  # results beyond a detection limit, kept as written
                    action = f"synthesize (limits {', '.join(col.limits[:3])}{', ...' if len(col.limits) > 3 else ''})"
                table.add_row(col.name, col.kind, action, _share(col.missing_rate))
            out.print(table)
            out.print(f"Schema written to {out_path}. Edit it and pass it to 'synthcare fit --schema'.")


def _share(rate: float) -> str:
    """A missing-value rate for the schema table: whole percents, but never rounded onto 0% or
    100% (0.4% of names missing is not none missing), and a decimal where that matters."""
    if rate <= 0 or rate >= 1:
        return f"{rate:.0%}"
    if rate < 0.001:
        return "<0.1%"
    if rate > 0.999:
        return ">99.9%"
    return f"{rate:.1%}" if rate < 0.1 or rate > 0.9 else f"{rate:.0%}"


@app.command()
def rules(
    data: Path = typer.Argument(..., help="Table to look for rules in: .csv, .parquet or .xlsx."),
    schema_path: Path | None = typer.Option(None, "--schema", help="Schema JSON (default: inferred)."),
    out_path: Path | None = typer.Option(
        None, "--out", help="Write the schema with the suggested rules added here, to edit and pass to fit."),
    encoding: str = typer.Option("utf-8", help="Text encoding of a CSV file."),
    sep: str | None = typer.Option(None, "--sep", help=_SEP_HELP),
    decimal: str | None = typer.Option(None, "--decimal", help=_DECIMAL_HELP),
    na: list[str] = typer.Option([], "--na", help=_NA_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=_SHEET_HELP),
) -> None:
    """Suggest clinical rules DATA obeys (orderings, missingness), and check the schema's rules."""
    from synthcare.data.inference import infer_schema
    from synthcare.data.schema import Schema
    from synthcare.sampling.rules import check_rules, suggest_rules

    with _friendly():
        frame = _read(data, encoding, sep, decimal, na, sheet=sheet)
        schema = infer_schema(frame) if schema_path is None else Schema.load(schema_path)
        schema.check_frame(list(frame.columns))
        if schema.rules:
            table = Table("rule", "training rows breaking it", title="rules in the schema")
            for rule, broken in check_rules(frame, schema).items():
                table.add_row(rule, f"{broken:,}")
            out.print(table)
        suggested = [(r, why) for r, why in suggest_rules(frame, schema) if r not in schema.rules]
        table = Table("suggested rule", "evidence", title=f"rules {data.name} obeys")
        for rule, why in suggested:
            table.add_row(rule, why)
        out.print(table if suggested else "No new rule found.")
        if out_path is not None:
            schema.rules = [*schema.rules, *(r for r, _ in suggested)]
            schema.save(out_path)
            out.print(f"Schema with {len(schema.rules)} rule(s) written to {out_path}. Remove any rule you do "
                      "not accept, then: synthcare fit DATA --schema " + str(out_path))


@app.command()
def fit(
    data: Path = typer.Argument(..., help="Training table: .csv, .parquet or .xlsx."),
    out_path: Path = typer.Option(..., "--out", help="Folder to write the fitted model to."),
    schema_path: Path | None = typer.Option(None, "--schema", help="Schema JSON (default: inferred)."),
    engine: str | None = typer.Option(None, help="Engine name (see 'synthcare engines')."),
    seed: int | None = typer.Option(None, help="Seed for reproducible fitting."),
    encoding: str = typer.Option("utf-8", help="Text encoding of a CSV file."),
    sep: str | None = typer.Option(None, "--sep", help=_SEP_HELP),
    decimal: str | None = typer.Option(None, "--decimal", help=_DECIMAL_HELP),
    na: list[str] = typer.Option([], "--na", help=_NA_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=_SHEET_HELP),
    max_categories: int = typer.Option(1000, "--max-categories", help=_MAX_CATEGORIES_HELP),
    jobs: int = typer.Option(
        -1, "--jobs", help="Threads for fitting: -1 uses every core. The model does not depend on it."),
) -> None:
    """Fit a generator on DATA and save it as a model folder (JSON and arrays, no pickle)."""
    from synthcare.engines.registry import DEFAULT_ENGINE, get_engine
    from synthcare.persistence import save_model

    with _friendly():
        cls = get_engine(engine or DEFAULT_ENGINE)
        model = cls(random_state=seed, **({"n_jobs": jobs} if "n_jobs" in cls._param_names() else {}))
        frame = _read(data, encoding, sep, decimal, na, sheet=sheet)
        start = time.perf_counter()
        if schema_path is None:
            from synthcare.data.inference import infer_schema

            _fit_with_progress(model, frame, infer_schema(frame, max_categories=max_categories))
        else:
            _fit_with_progress(model, frame, schema_path)
        save_model(model, out_path)
        out.print(
            f"Fitted '{model.engine_name}' on {len(frame):,} rows x {frame.shape[1]} columns in "
            f"{time.perf_counter() - start:.1f}s; model saved to {out_path}"
        )


@app.command()
def sample(
    model_path: Path = typer.Argument(..., help="Model folder written by 'synthcare fit'."),
    rows: int = typer.Option(..., "--rows", help="Number of synthetic rows."),
    out_path: Path = typer.Option(..., "--out", help="Output file: .csv or .parquet."),
    seed: int | None = typer.Option(None, help="Seed: the same seed gives the same rows."),
    where: str | None = typer.Option(
        None, "--where", help='Only rows satisfying a condition, e.g. \'age >= 65 and sex == "F"\'.'),
    rebalance: str | None = typer.Option(
        None, "--rebalance", help='A different mix of one column, e.g. "type=Yes:0.5" or "stage=3:0.4,4:0.2".'),
    sep: str | None = typer.Option(
        None, "--sep", help="Field separator of a CSV written, e.g. ';' (default: ',', tab for .tsv)."),
    decimal: str = typer.Option(".", "--decimal", help="Decimal mark of a CSV written: '.' or ','."),
) -> None:
    """Sample ROWS synthetic rows from a saved model; writes FILE and FILE.card.json."""
    from synthcare.data.csvformat import check_marks
    from synthcare.persistence import load_model

    with _friendly():
        check_marks(sep, decimal)
        model = load_model(model_path)
        frame, card = _write_sample(model, rows, out_path, seed, where, rebalance, sep, decimal)
        out.print(f"Wrote {len(frame):,} synthetic rows to {out_path} and its data card to {card}")


@app.command()
def evaluate(
    real: Path = typer.Option(..., "--real", help="Training table the synthetic data was made from."),
    synthetic: Path = typer.Option(..., "--synthetic", help="Synthetic table to evaluate."),
    holdout: Path | None = typer.Option(
        None, "--holdout", help="Real rows NOT used for training: the reference for every score."),
    target: str | None = typer.Option(None, "--target", help="Column to predict (utility, fairness)."),
    time_col: str | None = typer.Option(None, "--time", help="Survival time column."),
    event: str | None = typer.Option(None, "--event", help="Survival event column (0/1, 1/2, true/false)."),
    sensitive: list[str] = typer.Option(
        [], "--sensitive", help="Sensitive attribute for the bias audit (repeat for several)."),
    policy: Path | None = typer.Option(None, "--policy", help="Verdict thresholds (YAML)."),
    schema_path: Path | None = typer.Option(None, "--schema", help="Schema JSON of the real table."),
    out_path: Path = typer.Option(Path("REPORT.html"), "--out", help="HTML report; the JSON goes beside it."),
    seed: int = typer.Option(0, "--seed", help="Seed of subsampling, models and attacks."),
    fail_on: str = typer.Option(
        "never", "--fail-on", help="Exit with status 1 when the verdict is at least this: fail, warn, never."),
    na: list[str] = typer.Option([], "--na", help=_NA_HELP + " Applies to --real and --holdout."),
) -> None:
    """Evaluate a synthetic table: validity, utility, privacy, fairness; writes REPORT.html/.json."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from synthcare.card import attach_evaluation
    from synthcare.errors import ParameterError
    from synthcare.evaluation import evaluate as run_evaluation

    with _friendly():
        if fail_on not in ("fail", "warn", "never"):
            raise ParameterError(f"--fail-on must be 'fail', 'warn' or 'never'; got '{fail_on}'.")
        with Progress(TextColumn("[bold]evaluating[/] {task.description}"), BarColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("reading", total=4)

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=label)

            if na:
                real_table = _read(real, "utf-8", None, None, na, announce=False)
                holdout_table = None if holdout is None else _read(holdout, "utf-8", None, None, na, announce=False)
            else:
                real_table, holdout_table = real, holdout
            report = run_evaluation(
                real_table, synthetic, holdout=holdout_table, target=target, time=time_col, event=event,
                sensitive=sensitive or None, policy=policy, schema=schema_path, random_state=seed,
                progress=progress,
            )
        html_path, json_path = report.write(out_path)
        summary = report.summary()
        card = attach_evaluation(synthetic, {**summary, "report": str(html_path),
                                             "holdout_given": holdout is not None})
        table = Table("pillar", "verdict", "checks that warn or fail", title="synthcare evaluation")
        colours = {"pass": "green", "warn": "yellow", "fail": "red", "n/a": "dim"}
        for name, pillar in report.pillars.items():
            flagged = ", ".join(c.name for c in pillar.checks if c.verdict in ("warn", "fail")) or "-"
            table.add_row(name, f"[{colours[pillar.verdict]}]{pillar.verdict}[/]", flagged)
        out.print(table)
        out.print(f"Verdict: [bold {colours[report.verdict]}]{report.verdict}[/]. Report: {html_path} "
                  f"(JSON: {json_path}); verdict written to the data card {card}.")
    order = {"pass": 0, "n/a": 0, "warn": 1, "fail": 2}
    if fail_on != "never" and order[report.verdict] >= order[fail_on]:
        raise typer.Exit(code=1)


@app.command("control-arm")
def control_arm(
    model_path: Path = typer.Option(..., "--model", help="Model folder fitted on real-world or historical controls."),
    treated: Path = typer.Option(..., "--treated", help="Treated arm, one row per patient: .csv or .parquet."),
    time_col: str = typer.Option(..., "--time", help="Survival time column (in the model and the treated table)."),
    event: str = typer.Option(..., "--event", help="Event column (0/1, 1/2 or true/false)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for the cohort, summary.json and report.html."),
    covariates: str | None = typer.Option(
        None, "--covariates", help="Comma-separated covariates to balance (default: the baseline columns the "
        "model and the treated table share, without time, event, identifiers, dates and outcome-like or "
        "constant columns)."),
    criteria: str | None = typer.Option(
        None, "--criteria", help="Inclusion criteria every synthetic control meets, e.g. 'age >= 18'."),
    ratio: int = typer.Option(1, "--ratio", help="Synthetic controls per treated patient."),
    caliper: float = typer.Option(0.2, "--caliper", help="Caliper in SD of the logit propensity (Austin 2011)."),
    method: str = typer.Option("mahalanobis", "--method", help="Pick within the caliper: mahalanobis or propensity."),
    reference: Path | None = typer.Option(
        None, "--reference", help="A real control arm to report the hazard ratio against, beside the synthetic one."),
    seed: int | None = typer.Option(None, "--seed", help="Seed: the same seed gives the same cohort."),
) -> None:
    """Match synthetic controls to a treated arm and compare survival (HR, KM); writes DIR/summary.json."""
    from synthcare.persistence import load_model
    from synthcare.trials.control_arm import build_control_arm
    from synthcare.trials.report import write_control_arm

    with _friendly():
        model = load_model(model_path)
        names = None if covariates is None else [c.strip() for c in covariates.split(",") if c.strip()]
        with console.status("building the synthetic control arm"):
            result = build_control_arm(
                model, treated, time=time_col, event=event, covariates=names, criteria=criteria, ratio=ratio,
                caliper=caliper, method=method, reference=reference, random_state=seed)
            paths = write_control_arm(result, model, out_dir)
        s = result.summary()
        table = Table("comparison", "n treated", "n controls", "hazard ratio (95% CI)", title="synthetic control arm")
        table.add_row("vs synthetic controls", str(s["n_treated"]), str(s["n_controls"]),
                      f"{s['hazard_ratio']:.3f} ({s['ci_low']:.3f}-{s['ci_high']:.3f})")
        if "reference" in s:
            r = s["reference"]
            table.add_row("vs real reference", str(r["n_treated"]), str(r["n_controls"]),
                          f"{r['hazard_ratio']:.3f} ({r['ci_low']:.3f}-{r['ci_high']:.3f})")
        out.print(table)
        colour = "green" if s["balanced"] else "red"
        out.print(f"Largest |SMD| {s['smd_before']:.3f} before, [bold {colour}]{s['smd_after']:.3f}[/] after matching "
                  f"(target < {s['smd_target']}). Cohort: {paths['cohort']} (card {paths['card'].name}); "
                  f"summary: {paths['summary']}; report: {paths['report']}")


@app.command()
def engines() -> None:
    """List the available engines."""
    from synthcare.engines.registry import DEFAULT_ENGINE, engine_names, get_engine

    for name in engine_names():
        doc = (get_engine(name).__doc__ or "").strip().splitlines()[0]
        mark = " (default)" if name == DEFAULT_ENGINE else ""
        out.print(f"{name}{mark}: {doc}")


@app.command()
def demo(
    out_dir: Path = typer.Option(Path("synthcare-demo"), "--out-dir", help="Folder for the outputs."),
    rows: int | None = typer.Option(None, help="Synthetic rows (default: as many as the real data)."),
    engine: str | None = typer.Option(None, help="Engine name (default: the default engine)."),
    seed: int = typer.Option(0, help="Seed for fitting and sampling."),
) -> None:
    """Fit on the bundled real breast-cancer data, sample, write the table and its data card."""
    from synthcare.datasets import load_demo
    from synthcare.demo import summary_table
    from synthcare.engines.registry import DEFAULT_ENGINE, get_engine
    from synthcare.persistence import save_model

    with _friendly():
        real = load_demo("breast_rotterdam")
        model = get_engine(engine or DEFAULT_ENGINE)(random_state=seed)
        start = time.perf_counter()
        _fit_with_progress(model, real, None)
        save_model(model, out_dir / "model")
        model.schema_.save(out_dir / "schema.json")
        data_path = out_dir / "breast_rotterdam_synthetic.csv"
        synthetic, card = _write_sample(model, rows or len(real), data_path, seed)
        seconds = time.perf_counter() - start
        out.print(summary_table(real, synthetic, model.schema_))
        out.print(
            f"Real data: {len(real):,} Rotterdam breast-cancer patients. Engine '{model.engine_name}', "
            f"fit + sample in {seconds:.1f}s.\n"
            f"Synthetic table: {data_path}\nData card:       {card}\n"
            f"Model:           {out_dir / 'model'}\nSchema:          {out_dir / 'schema.json'}"
        )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
