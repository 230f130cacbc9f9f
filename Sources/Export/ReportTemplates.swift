// ReportTemplates: the HTML of the report pages as Mustache templates. Every value is inserted
// with {{ }} and so HTML-escaped by the template engine; the only triple-brace insertions are the
// charts, which were themselves rendered from ChartTemplates by the same engine. The stylesheet is
// inline (the report must work offline, with no CDN) and has a print section.

enum ReportTemplates {
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0 auto;padding:0 1.5rem 3rem;max-width:62rem;color:#1b1b1b;line-height:1.45}
        a{color:#1d4f91}
        .banner{margin:0 -1.5rem 1rem;padding:.7rem 1.5rem;font-weight:700;letter-spacing:.03em}
        .banner.official{background:#0b3d2e;color:#fff}
        .banner.exploratory{background:#b3261e;color:#fff;font-size:1.15rem}
        .banner.forced{background:#fff4ce;color:#3b2a00;border-left:6px solid #b58100;font-weight:600}
        nav.crumbs{font-size:.95rem;margin:.5rem 0}
        h1{font-size:1.8rem;margin:.6rem 0 .2rem}
        h2{font-size:1.35rem;margin-top:2.2rem;border-bottom:2px solid #ccc;padding-bottom:.2rem}
        h3{font-size:1.1rem;margin:.2rem 0}
        .lede{font-size:1.05rem;color:#333}
        section.metric{border:1px solid #d5d5d5;border-radius:6px;padding:1rem 1.2rem;margin:1.2rem 0;page-break-inside:avoid}
        .definition{color:#333;margin:.3rem 0 .6rem}
        .headline{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}
        .rate{font-size:2rem;font-weight:700}
        .interval,.counts{color:#444}
        .band{display:inline-block;padding:.15rem .55rem;border-radius:4px;font-weight:700}
        .band.outstanding{background:#1e6b35;color:#fff}.band.good{background:#6cae4a;color:#102a0c}
        .band.requires_improvement{background:#f2b233;color:#3a2600}.band.inadequate{background:#c0392b;color:#fff}
        .band.none{background:#e6e6e6;color:#222}
        .direction{font-size:.9rem;color:#444}
        .compare{margin:.4rem 0;padding-left:1.2rem}
        .suppressed{color:#7a4b00;font-weight:700}
        table{border-collapse:collapse;margin:.6rem 0;font-size:.95rem}
        caption{text-align:left;font-weight:600;padding:.2rem 0}
        th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}
        th[scope=row],td.text,th.text{text-align:left}
        .charts{display:flex;flex-wrap:wrap;gap:1rem}
        svg.chart{max-width:100%;height:auto;font-size:11px}
        svg .grid{stroke:#e3e3e3}
        svg .axis{fill:#555}
        svg .interval{fill:#1d4f91;fill-opacity:.18;stroke:none}
        svg polyline.rate{fill:none;stroke:#1d4f91;stroke-width:2}
        svg circle.rate{fill:#1d4f91}
        svg .whisker{stroke:#1d4f91;stroke-width:2}
        svg .national{stroke:#333;stroke-dasharray:5 3;fill:none;stroke-width:1.5}
        svg .finding{stroke:#b3261e;stroke-dasharray:2 3;stroke-width:1.5}
        svg .whisker.above{stroke:#1e6b35}svg circle.above{fill:#1e6b35}
        svg .whisker.below{stroke:#c0392b}svg circle.below{fill:#c0392b}
        svg text.suppressed{fill:#7a4b00;font-weight:700}
        .key span{display:inline-block;margin-right:1rem;font-size:.9rem}
        .swatch{display:inline-block;width:1.6rem;height:.7rem;vertical-align:middle;margin-right:.3rem}
        .legend{background:#f6f6f6;padding:.6rem 1rem;border-radius:6px;font-size:.95rem}
        .caveat{background:#fff7e0;border-left:4px solid #f2b233;padding:.4rem .8rem}
        dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
        dl.run dt{font-weight:600}
        code{font-size:.9em;word-break:break-all}
        ul.links{columns:2}
        @media print{
          body{max-width:none;padding:0;font-size:10.5pt}
          .banner{margin:0 0 .6rem;-webkit-print-color-adjust:exact;print-color-adjust:exact}
          .band,svg,.swatch{-webkit-print-color-adjust:exact;print-color-adjust:exact}
          a{color:inherit;text-decoration:none}
          nav.crumbs{display:none}
          section.metric{border:none;border-top:1px solid #999;border-radius:0;padding:.4rem 0}
          h2{page-break-before:auto;page-break-after:avoid}
        }
        """

    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{#official}}OFFICIAL{{/official}}{{^official}}EXPLORATORY — NOT FOR PUBLICATION{{/official}}: {{heading}} — run {{runID}}</title>
        <style>{{style}}</style>
        </head>
        <body>
        {{#official}}<div class="banner official" role="note">OFFICIAL — published figures, run {{runID}}. Small numbers are suppressed and shown as [c].</div>{{/official}}
        {{#forceReason}}<div class="banner forced" role="note">Published although the data-quality gate failed. Reason given: {{forceReason}}</div>{{/forceReason}}
        {{^official}}<div class="banner exploratory" role="note">EXPLORATORY — NOT FOR PUBLICATION. Run {{runID}} is an analyst's run: small numbers are not suppressed and the figures are not official.</div>{{/official}}
        <nav class="crumbs" aria-label="Other pages">{{#crumbs}}<a href="{{href}}">{{text}}</a> › {{/crumbs}}<span>{{heading}}</span></nav>
        <header>
        <h1>{{heading}}</h1>
        <p class="lede">{{kind}}. Offender management in custody: {{periodText}}, data up to and including {{asOf}}.{{#parentsText}} {{.}}{{/parentsText}}</p>
        </header>

        <div class="legend" role="note">
        <p><strong>How to read this page.</strong> Each figure is the share of eligible people for whom the standard was met, with its 95% interval: the range the true figure probably lies in, given how few people some figures are based on. Where the interval of one figure lies wholly above or below another's value, the difference is larger than chance alone would explain; where they overlap, it may be chance.</p>
        <p>Rating bands (for measures where higher is better): <span class="band outstanding">Outstanding</span> {{bandOutstanding}} or more, <span class="band good">Good</span> {{bandGood}} or more, <span class="band requires_improvement">Requires improvement</span> {{bandRequiresImprovement}} or more, otherwise <span class="band inadequate">Inadequate</span>. A measure where lower is better is an outcome, not practice, and is <span class="band none">not banded</span>.</p>
        <p><span class="suppressed">[c]</span> figure withheld to protect confidentiality (too few people, or it would let a withheld figure be worked out). <strong>[z]</strong> not applicable: no eligible people in the period.</p>
        </div>

        {{#hasCaveats}}<h2 id="data-quality">Data quality</h2>
        <table>
        <caption>Data-quality caveats for {{heading}}</caption>
        <thead><tr><th scope="col" class="text">Check</th><th scope="col">Count</th><th scope="col">Out of</th><th scope="col">Share</th></tr></thead>
        <tbody>
        {{/hasCaveats}}{{#caveats}}<tr><th scope="row">{{label}}</th><td>{{count}}</td><td>{{total}}</td><td>{{share}}</td></tr>
        {{/caveats}}{{#hasCaveats}}</tbody>
        </table>
        <p class="caveat">Releases with no recorded outcome count as “not met” in the five resettlement measures, so a high share here lowers those figures. Rejected rows are counted for the whole extract: a row that could not be read cannot be placed in a prison.</p>
        {{/hasCaveats}}

        <h2 id="measures">Measures</h2>
        {{#metrics}}
        <section class="metric" id="m-{{metric}}" aria-labelledby="h-{{metric}}">
        <h3 id="h-{{metric}}">{{title}}</h3>
        <p class="definition">{{description}}</p>
        <div class="headline">
        {{#suppressed}}<span class="rate suppressed" title="withheld to protect confidentiality">[c]</span><span class="counts">withheld to protect confidentiality</span>{{/suppressed}}
        {{^suppressed}}<span class="rate">{{rateText}}</span><span class="interval">{{intervalText}}</span><span class="counts">{{countsText}}</span>{{/suppressed}}
        <span class="band {{bandClass}}">{{bandWords}}</span>
        </div>
        <p class="direction">{{directionText}} Latest period: {{latestPeriod}}.</p>
        <ul class="compare">{{#comparisons}}<li>{{.}}</li>{{/comparisons}}</ul>
        <div class="charts">
        <figure>{{{trendSVG}}}<figcaption class="key"><span><span class="swatch" style="background:#1d4f91"></span>this {{scopeWord}}, shaded: 95% interval</span>{{#showNational}}<span><span class="swatch" style="border-top:2px dashed #333;height:0"></span>national</span>{{/showNational}}{{#hasFinding}}<span><span class="swatch" style="border-top:2px dotted #b3261e;height:0"></span>inspection finding</span>{{/hasFinding}}</figcaption></figure>
        {{#rankingSVG}}<figure>{{{.}}}<figcaption class="key"><span>Establishments ranked, {{rankOrder}}; whiskers: 95% interval; dashed line: {{rankReference}}. <span style="color:#1e6b35">Green</span>: interval above it; <span style="color:#c0392b">red</span>: below it; blue: may be chance.</span></figcaption></figure>{{/rankingSVG}}
        </div>
        <table>
        <caption>{{title}} by period, {{heading}}</caption>
        <thead><tr><th scope="col" class="text">Period</th><th scope="col">Met</th><th scope="col">Eligible</th><th scope="col">Rate</th><th scope="col">95% interval</th><th scope="col" class="text">Band</th></tr></thead>
        <tbody>
        {{#periods}}<tr><th scope="row">{{period}}</th><td>{{numerator}}</td><td>{{denominator}}</td><td>{{rate}}</td><td>{{interval}}</td><td class="text">{{band}}</td></tr>
        {{/periods}}
        </tbody>
        </table>
        {{#hasRanking}}<table>
        <caption>{{title}}: establishments, {{latestPeriod}}</caption>
        <thead><tr><th scope="col" class="text">Establishment</th><th scope="col">Met</th><th scope="col">Eligible</th><th scope="col">Rate</th><th scope="col">95% interval</th><th scope="col" class="text">Against {{rankReferenceShort}}</th></tr></thead>
        <tbody>
        {{/hasRanking}}{{#ranking}}<tr><th scope="row"><a href="{{href}}">{{name}}</a></th><td>{{numerator}}</td><td>{{denominator}}</td><td>{{rate}}</td><td>{{interval}}</td><td class="text">{{position}}</td></tr>
        {{/ranking}}{{#hasRanking}}</tbody>
        </table>{{/hasRanking}}
        </section>
        {{/metrics}}

        {{#linkGroups}}
        <h2>{{heading}}</h2>
        <ul class="links">{{#links}}<li><a href="{{href}}">{{text}}</a></li>{{/links}}</ul>
        {{/linkGroups}}

        <h2 id="about">About this run</h2>
        <dl class="run">
        <dt>Run</dt><dd>{{runID}} ({{#official}}official{{/official}}{{^official}}exploratory, not for publication{{/official}}), finished {{finishedAt}}</dd>
        <dt>Range</dt><dd>{{rangeFrom}} to {{rangeLast}} inclusive, by {{periodKind}}</dd>
        <dt>Data as of</dt><dd>{{asOf}}</dd>
        <dt>Parameters</dt><dd>{{#hasChangedParameters}}differ from the defaults: {{/hasChangedParameters}}{{#changedParameters}}<code>{{.}}</code> {{/changedParameters}}{{^changedParameters}}all at their defaults (docs: metrics.md){{/changedParameters}}</dd>
        <dt>Tool</dt><dd>throughcare {{version}}, commit <code>{{commit}}</code></dd>
        <dt>Extracts</dt><dd>{{#extracts}}<div><code>{{file}}</code> SHA-256 <code>{{sha256}}</code></div>{{/extracts}}</dd>
        </dl>
        </body>
        </html>
        """
}
