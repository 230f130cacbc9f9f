// ChartTemplates: the SVG markup of the report's charts as Mustache templates. Geometry comes
// from Charts.swift; labels are escaped by the template engine. Colours are classes styled by the
// page's stylesheet, so the print stylesheet can change them.

enum ChartTemplates {
    static let trend = """
        <svg class="chart trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}">
        <title>{{title}}</title>
        {{#yTicks}}<line class="grid" x1="{{plotLeft}}" x2="{{plotRight}}" y1="{{position}}" y2="{{position}}"/><text class="axis" x="{{plotLeft}}" dx="-4" y="{{position}}" dy="4" text-anchor="end">{{text}}</text>
        {{/yTicks}}
        {{#xTicks}}<text class="axis" x="{{position}}" y="{{labelY}}" text-anchor="middle">{{text}}</text>
        {{/xTicks}}
        {{#bands}}<polygon class="interval" points="{{.}}"/>
        {{/bands}}
        {{#whiskers}}<line class="whisker" x1="{{x}}" x2="{{x}}" y1="{{y1}}" y2="{{y2}}"/>
        {{/whiskers}}
        {{#findingY}}<line class="finding" x1="{{plotLeft}}" x2="{{plotRight}}" y1="{{.}}" y2="{{.}}"/>{{/findingY}}
        {{#nationalLine}}<polyline class="national" points="{{.}}"/>{{/nationalLine}}
        {{#lines}}<polyline class="rate" points="{{.}}"/>
        {{/lines}}
        {{#points}}<circle class="rate" cx="{{x}}" cy="{{y}}" r="4"><title>{{label}}: {{text}}</title></circle>
        {{/points}}
        {{#suppressed}}<text class="suppressed" x="{{x}}" y="{{y}}" text-anchor="middle">[c]</text>
        {{/suppressed}}
        </svg>
        """

    static let ranking = """
        <svg class="chart ranking" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}">
        <title>{{title}}</title>
        {{#axisTicks}}<line class="grid" x1="{{position}}" x2="{{position}}" y1="18" y2="{{plotBottom}}"/><text class="axis" x="{{position}}" y="12" text-anchor="middle">{{text}}</text>
        {{/axisTicks}}
        {{#nationalX}}<line class="national" x1="{{.}}" x2="{{.}}" y1="18" y2="{{plotBottom}}"/>{{/nationalX}}
        {{#rows}}{{#href}}<a href="{{.}}">{{/href}}<text class="label" x="{{plotLeft}}" dx="-6" y="{{textY}}" text-anchor="end">{{label}}</text>{{#href}}</a>{{/href}}
        {{#x}}<line class="whisker {{position}}" x1="{{x1}}" x2="{{x2}}" y1="{{y}}" y2="{{y}}"/><circle class="rate {{position}}" cx="{{x}}" cy="{{y}}" r="4"/>{{/x}}
        <text class="value{{#suppressed}} suppressed{{/suppressed}}" x="{{valueX}}" y="{{textY}}">{{valueText}}</text>
        {{/rows}}
        </svg>
        """
}
