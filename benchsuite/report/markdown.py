"""GitHub-flavoured Markdown reports (pull-request comments, ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from benchsuite.compare import Comparison
from benchsuite.report._compare import COLUMNS, cells, header_lines, summary_line

__all__ = ["comparison_markdown"]


def _escape(text: str) -> str:
    """A table cell: pipes escaped, newlines as ``<br>``."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def comparison_markdown(c: Comparison, *, title: str = "benchsuite compare") -> str:
    """The comparison as Markdown: a one-line verdict, the runs, environment differences,
    a table of every case that is not ``ok`` (worst first) and the ``ok`` cases folded in a
    ``<details>`` block.
    """
    n = len(c.gating)
    icon = "❌" if n else "✅"
    head = f"{n} gating regression{'s' if n != 1 else ''}" if n else "no gating regression"
    lines = [f"### {icon} {title}: {head}", ""]
    for line in header_lines(c):
        if line.startswith("  "):
            lines.append(f"  - {_escape(line.strip())}")
        else:
            lines.append(f"- {_escape(line)}")
    lines += ["", f"**{_escape(summary_line(c))}**", ""]
    changed = [v for v in c.verdicts if v.verdict != "ok"]
    ok = [v for v in c.verdicts if v.verdict == "ok"]
    if changed:
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append(
            "|" + "|".join("---:" if col.startswith("p") else "---" for col in COLUMNS) + "|"
        )
        for v in changed:
            row = cells(v)
            row["verdict"] = f"**{row['verdict']}**" if v.gating else row["verdict"]
            row["case"] = f"`{row['case']}`"
            lines.append(
                "| "
                + " | ".join(
                    row[k] if k in ("verdict", "case") else _escape(row[k]) for k in COLUMNS
                )
                + " |"
            )
        lines.append("")
    if ok:
        lines += [f"<details><summary>{len(ok)} unchanged cases</summary>", ""]
        lines.append("| case | metric | p | fit time | p (time) |")
        lines.append("|---|---|---:|---|---:|")
        for v in ok:
            row = cells(v)
            lines.append(
                f"| `{row['case']}` | {_escape(row['metric'])} | {row['p']} |"
                f" {_escape(row['fit time'])} | {row['p (time)']} |"
            )
        lines += ["", "</details>", ""]
    opts = c.options
    lines.append(
        f"<sub>metric: Nadeau-Bengio corrected paired t-test over folds, tolerance"
        f" {opts['metric_tolerance']}; time: ratio of medians > {opts['time_factor']} and"
        f" Mann-Whitney U; alpha {opts['alpha']}.</sub>"
    )
    return "\n".join(lines) + "\n"
