// RunNotebook: the analysts' notebook of one run (run-N/run-N.ipynb). A papermill `parameters`
// cell holds the run id; the notebook connects with psycopg2 through DATABASE_URL, or libpq's own
// defaults (PG* variables, a service file) when that is unset, so no connection string — and no
// password — is ever written into it. Per metric: its definition in words, an SQL query the analyst
// can edit (bound with %(name)s, never formatted into the text), the table and a chart.

import Foundation
import PostgresClient
import ThroughcareCore

public struct RunNotebook {
    /// One metric's rule in words, from metrics.metric_definitions.
    public struct Rule: Sendable {
        public var metric: String
        public var title: String
        public var description: String
        public var population: String
        public var eligible: String
        public var met: String
        public var finding: String
        public var lowerIsBetter: Bool
    }

    /// The definitions of every metric, in the order the report shows them (metrics.report_definitions).
    public static func loadRules(connection: PostgresConnection) throws -> [Rule] {
        try connection.call("metrics.report_definitions").rows.map { row in
            Rule(metric: try row["metric", as: String.self], title: try row["title", as: String.self],
                 description: try row["description", as: String.self], population: try row["population", as: String.self],
                 eligible: try row["eligible", as: String.self], met: try row["met", as: String.self],
                 finding: try row["finding", as: String.self], lowerIsBetter: try row["direction", as: String?.self] == "lower_is_better")
        }
    }

    /// The notebook for a run: every metric the run has rates for gets a section.
    public static func build(data: ReportData, rules: [Rule]) -> Notebook {
        let run = data.run
        // An official run's notebook reads what was published (suppression applied), like its pages.
        let relation = run.official ? "published.rates_cells" : "metrics.rates"
        let metricsOfRun = Set(data.cells.map(\.metric))
        var sections = rules.filter { metricsOfRun.contains($0.metric) }
        for metric in metricsOfRun.subtracting(rules.map(\.metric)).sorted() {
            sections.append(Rule(metric: metric, title: metric, description: "", population: "", eligible: "", met: "", finding: "", lowerIsBetter: false))
        }

        let banner = run.official
            ? "**OFFICIAL — published figures.** Small numbers are suppressed (`suppressed` says why)."
            : "**EXPLORATORY — NOT FOR PUBLICATION.** Small numbers are not suppressed in an exploratory run."
        var cells: [NotebookCell] = [
            .markdown(id: "title", """
                # Offender management in custody — run \(run.runID)

                \(banner)

                Range \(run.rangeFrom) to \(run.rangeLast) (\(run.periodKind) periods), data as of \(run.asOf).
                Rates are numerator / denominator with 95% Wilson intervals, read from `\(relation)`.
                Definitions: `metrics.metric_definitions` and docs/publications.md.

                To run it again: set `DATABASE_URL` (or the `PG*` variables, or a `PGSERVICE`) and run all
                cells, or `papermill` with `-p RUN_ID <n>` for another run.
                """),
            .code(id: "parameters", "RUN_ID = \(run.runID)", tags: ["parameters"]),
            .code(id: "setup", Self.setup),
        ]
        for rule in sections {
            let id = Self.cellID(rule.metric)
            var words = "## \(rule.title)\n\n"
            if !rule.description.isEmpty { words += "\(rule.description)\n\n" }
            if !rule.population.isEmpty {
                words += """
                    - **Metric:** `\(rule.metric)` (\(rule.lowerIsBetter ? "lower is better; not banded" : "higher is better"))
                    - **Population:** \(rule.population.replacingOccurrences(of: "_", with: " "))
                    - **Eligible (denominator):** \(rule.eligible)
                    - **Met (numerator):** \(rule.met)
                    - **Inspection finding:** \(rule.finding)

                    """
            }
            cells.append(.markdown(id: "\(id)-definition", words))
            let order = rule.lowerIsBetter ? "rate asc nulls last" : "rate desc nulls last"
            let suppressed = run.official ? ", suppressed" : ""
            cells.append(.code(id: "\(id)-table", """
                sql = \"\"\"
                select scope_type, scope_id, period_start, numerator, denominator, rate, ci_low, ci_high, band\(suppressed)
                from \(relation)
                where run_id = %(run_id)s
                  and metric = %(metric)s
                  and scope_type in ('national', 'establishment')
                order by period_start, scope_type = 'national' desc, \(order), scope_id
                \"\"\"
                table = query(sql, run_id=RUN_ID, metric=\(Self.pythonString(rule.metric)))
                table
                """))
            cells.append(.code(id: "\(id)-chart", "chart(table, \(Self.pythonString(rule.title)), lower_is_better=\(rule.lowerIsBetter ? "True" : "False"))"))
        }
        return Notebook(cells: cells, metadata: [
            "kernelspec": .object(["display_name": .string("Python 3 (ipykernel)"), "language": .string("python"), "name": .string("python3")]),
            "language_info": .object(["name": .string("python")]),
            "throughcare": .object(["run_id": .number(Double(run.runID)), "official": .bool(run.official)]),
        ])
    }

    /// The note put first in a notebook that could not be run here, saying why and how to run it.
    public static func notExecutedNote(_ reason: String) -> NotebookCell {
        .markdown(id: "not-executed", """
            > **This notebook has not been run**, so it shows no tables or charts: \(reason)
            > Run all cells with `DATABASE_URL` set (or libpq's `PG*` variables / a service), e.g.
            > `DATABASE_URL=... /usr/bin/python3 -m jupyter nbconvert --to notebook --execute --inplace <this file>`.
            """)
    }

    /// Cell ids allow [A-Za-z0-9_-] only (nbformat 4.5).
    static func cellID(_ metric: String) -> String {
        "m-" + String(metric.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" ? Character($0) : "-" }).prefix(40)
    }

    /// A Python string literal: metric names and titles come from the database, so quotes,
    /// backslashes and control characters are escaped rather than trusted.
    static func pythonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02x", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    static let setup = """
        import os

        import matplotlib.pyplot as plt
        import pandas as pd
        import psycopg2

        # An empty dsn lets libpq use its defaults: PGHOST, PGDATABASE, ..., PGSERVICE, ~/.pgpass.
        connection = psycopg2.connect(os.environ.get("DATABASE_URL", ""))
        connection.set_session(readonly=True, autocommit=True)


        def query(sql, **params):
            \"\"\"Runs one statement with bound parameters (%(name)s) and returns a DataFrame.\"\"\"
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                frame = pd.DataFrame(cursor.fetchall(), columns=[column.name for column in cursor.description])
            for column in ("rate", "ci_low", "ci_high"):
                frame[column] = pd.to_numeric(frame[column])
            # nullable integers: a suppressed (NULL) count must not turn the others into floats
            for column in ("numerator", "denominator"):
                frame[column] = frame[column].astype("Int64")
            return frame


        def chart(table, title, lower_is_better):
            \"\"\"Establishments' rates in the last period, best first, with 95% intervals and the national rate.\"\"\"
            if table.empty:
                print("no rates for this metric in the run")
                return
            last = table[table.period_start == table.period_start.max()]
            shown = last[(last.scope_type == "establishment") & last.rate.notna()]
            shown = shown.sort_values("rate", ascending=lower_is_better)
            national = last[(last.scope_type == "national") & last.rate.notna()]
            figure, axes = plt.subplots(figsize=(8, 0.35 * len(shown) + 1.5))
            if shown.empty:
                hidden = int(last.get("suppressed", pd.Series(dtype=object)).notna().sum())
                axes.text(0.5, 0.5, "no establishment rate to show" + (f" ({hidden} suppressed)" if hidden else ""),
                          ha="center", va="center")
                axes.set_yticks([])
            else:
                # floating point leaves a Wilson bound a hair inside the rate (an upper bound of
                # 0.9999999999999999 for 4 of 4), and matplotlib refuses a negative error bar
                errors = [(shown.rate - shown.ci_low).clip(lower=0), (shown.ci_high - shown.rate).clip(lower=0)]
                axes.barh(shown.scope_id, shown.rate, xerr=errors, color="#1d70b8", ecolor="#0b0c0c", capsize=3)
                axes.invert_yaxis()
            if not national.empty:
                axes.axvline(national.rate.iloc[0], color="#d4351c", linestyle="--",
                             label=f"national {national.rate.iloc[0]:.0%}")
                axes.legend(loc="lower right")
            axes.set_xlim(0, 1)
            axes.set_xlabel("rate (95% interval)" + (" — lower is better" if lower_is_better else ""))
            axes.set_title(f"{title}, period from {last.period_start.max()}")
            figure.tight_layout()
            plt.show()
        """
}
