// One case file page (HTML with an inline SVG timeline) from metrics.case_file's document. Plain
// words for inspectors: dates, who held the case, what happened, and why each metric came out
// as it did, with the evidence the database holds.

import Foundation

struct CaseFilePage {
    let document: [String: Any]

    static func header(title: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; color: #1b1b1b; }
        table { border-collapse: collapse; margin: .5em 0 1.5em; }
        th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
        .met { background: #e3f4e1; } .not-met { background: #fbe3e1; } .not-eligible { color: #777; }
        .grid td { text-align: center; } .metric span { writing-mode: vertical-rl; transform: rotate(180deg); }
        dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; } dt { color: #555; }
        .finding { background: #fff4d6; padding: .5em; margin: .5em 0; }
        </style></head><body>

        """
    }

    func html() -> String {
        let record = document["case"] as? [String: Any] ?? [:]
        let caseID = text(record["case_id"])
        var out = Self.header(title: "Case \(caseID)")
        out += "<p><a href=\"index.html\">← all sampled cases</a></p>\n"
        out += "<h1>Case \(escape(caseID))</h1>\n"
        let establishment = document["establishment"] as? [String: Any] ?? [:]
        let window = document["custody_window"] as? [String: Any] ?? [:]
        out += "<dl>"
        out += item("Prisoner", text(record["prisoner_id"]))
        out += item("Establishment", "\(text(establishment["name"])) (\(text(establishment["code"])))")
        out += item("Sentence", "\(text(record["sentence_type"])), started \(text(window["from"]))")
        out += item("Custody window", "\(text(window["from"])) to \(window["until"].map { text($0) + " (release date, exclusive)" } ?? "still in custody")")
        out += item("Expected release / parole eligibility", "\(text(record["expected_release_date"])) / \(text(record["parole_eligibility_date"]))")
        out += item("Risk (RoSH), tier, MAPPA", "\(text(record["rosh"])), \(text(record["tier"])), \(text(record["mappa_level"]))")
        out += item("Release region", text(record["release_region"]))
        out += item("Data as of", text(document["as_of"]))
        out += "</dl>\n"

        let handover = document["handover"] as? [String: Any] ?? [:]
        out += "<h2>Handover</h2>\n<dl>"
        if let date = handover["handover_date"], !(date is NSNull) {
            out += item("Handover date", text(date) + ((handover["handover_clamped"] as? Bool) == true ? " (moved to sentence start; computed \(text(handover["computed_handover_date"])))" : ""))
        } else {
            out += item("Handover date", "none: \(text(handover["responsible_throughout"])) responsible throughout")
        }
        out += item("Rule", "\(text(handover["reason"])) (earliest release date \(text(handover["earliest_release_date"])))")
        out += "</dl>\n"

        out += "<h2>Allocations over time</h2>\n<table><tr><th>role</th><th>staff</th><th>staff role</th><th>from</th><th>to</th></tr>\n"
        for allocation in document["allocations"] as? [[String: Any]] ?? [] {
            out += "<tr><td>\(escape(text(allocation["role"])))</td><td>\(escape(text(allocation["staff_id"])))</td><td>\(escape(text(allocation["staff_role"])))</td>"
            out += "<td>\(escape(text(allocation["start_date"])))</td><td>\(escape(allocation["end_date"].map { text($0) } ?? "open"))</td></tr>\n"
        }
        out += "</table>\n"

        let contacts = document["contacts"] as? [[String: Any]] ?? []
        out += "<h2>Contacts (\(contacts.count))</h2>\n" + timeline(contacts, window: window)
        out += "<table><tr><th>date</th><th>type</th><th>channel</th><th>outcome</th><th>staff</th><th>contact</th></tr>\n"
        for contact in contacts {
            let cells = ["date", "type", "channel", "outcome", "staff_id", "contact_id"].map { "<td>\(escape(text(contact[$0])))</td>" }.joined()
            out += "<tr class=\"\(text(contact["outcome"]) == "completed" ? "" : "not-eligible")\">\(cells)</tr>\n"
        }
        out += "</table>\n"

        out += "<h2>Metrics</h2>\n<table><tr><th>metric</th><th>period</th><th>result</th><th>evidence</th></tr>\n"
        for metric in document["metrics"] as? [[String: Any]] ?? [] {
            let eligible = metric["eligible"] as? Bool ?? false
            let met = metric["met"] as? Bool
            let result = !eligible ? "not eligible" : (met == true ? "met" : "not met")
            let rule = !eligible ? text(metric["eligible_rule"]) : text(metric["met_rule"])
            out += "<tr class=\"\(result.replacingOccurrences(of: " ", with: "-"))\"><td>\(escape(text(metric["metric"])))</td>"
            out += "<td>\(escape(text(metric["period_start"]))) to \(escape(text(metric["period_end"])))</td><td><strong>\(result)</strong></td>"
            out += "<td>\(evidence(metric["evidence"] as? [String: Any] ?? [:]))<div class=\"not-eligible\">\(escape(rule))</div></td></tr>\n"
        }
        out += "</table>\n"

        let findings = document["quality_findings"] as? [[String: Any]] ?? []
        out += "<h2>Data-quality findings for this case (\(findings.count))</h2>\n"
        if findings.isEmpty { out += "<p>None.</p>\n" }
        for finding in findings {
            out += "<div class=\"finding\"><strong>quality.\(escape(text(finding["check"])))</strong><ul>"
            for row in finding["rows"] as? [[String: Any]] ?? [] {
                out += "<li>" + row.keys.sorted().map { "\(escape($0)): \(escape(text(row[$0])))" }.joined(separator: "; ") + "</li>"
            }
            out += "</ul></div>\n"
        }
        return out + "</body></html>\n"
    }

    func item(_ label: String, _ value: String) -> String { "<dt>\(escape(label))</dt><dd>\(escape(value))</dd>" }

    /// The evidence as readable lines, the longest gap first when there is one (where it fell is
    /// usually the inspector's question).
    func evidence(_ detail: [String: Any]) -> String {
        var lines: [String] = []
        if let days = detail["longest_gap_days"], !(days is NSNull) {
            lines.append("<strong>longest gap \(escape(text(days))) days, \(escape(text(detail["longest_gap_from"]))) to \(escape(text(detail["longest_gap_to"])))</strong> (allowed \(escape(text(detail["max_gap_days"]))))")
        }
        for key in detail.keys.sorted() where !["longest_gap_days", "longest_gap_from", "longest_gap_to"].contains(key) {
            lines.append("\(escape(key.replacingOccurrences(of: "_", with: " "))): \(escape(text(detail[key])))")
        }
        return lines.joined(separator: "<br>")
    }

    /// Contacts as dots on one line per contact type across the custody window (filled when completed).
    func timeline(_ contacts: [[String: Any]], window: [String: Any]) -> String {
        let dates = contacts.compactMap { day(text($0["date"])) } + [day(text(window["from"])), day(text(window["until"])) ].compactMap { $0 }
        guard let first = dates.min(), let last = dates.max(), last > first else { return "" }
        let types = ["keywork_session", "pom_contact", "com_contact", "pom_com_liaison", "handover_meeting"]
        let width = 900.0, left = 140.0, rowHeight = 18.0
        var svg = "<svg width=\"\(Int(width + left))\" height=\"\(Int(rowHeight * Double(types.count) + 24))\" role=\"img\" aria-label=\"contact timeline\">"
        for (index, type) in types.enumerated() {
            let y = rowHeight * Double(index) + 12
            svg += "<text x=\"0\" y=\"\(y + 4)\" font-size=\"11\">\(type)</text><line x1=\"\(left)\" x2=\"\(left + width)\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            for contact in contacts where text(contact["type"]) == type {
                guard let date = day(text(contact["date"])) else { continue }
                let x = left + width * Double(date - first) / Double(last - first)
                let completed = text(contact["outcome"]) == "completed"
                svg += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3.5\" fill=\"\(completed ? "#2a6f2a" : "white")\" stroke=\"#2a6f2a\"><title>\(escape(text(contact["date"]))) \(type) \(escape(text(contact["outcome"])))</title></circle>"
            }
        }
        let footer = rowHeight * Double(types.count) + 20
        svg += "<text x=\"\(left)\" y=\"\(footer)\" font-size=\"11\">\(escape(text(window["from"])))</text>"
        svg += "<text x=\"\(left + width)\" y=\"\(footer)\" font-size=\"11\" text-anchor=\"end\">\(escape(window["until"].map { text($0) } ?? "as of"))</text></svg>\n"
        return svg
    }

    /// Days since 1970 for YYYY-MM-DD.
    func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components).map { Int($0.timeIntervalSince1970 / 86_400) }
    }
}

/// JSON values as text: NULL shows as –, lists joined, objects as key=value.
func text(_ value: Any?) -> String {
    switch value {
    case nil, is NSNull: return "–"
    case let string as String: return string
    // JSONSerialization gives true/false as NSNumber of type char ("c"); other numbers are not.
    case let number as NSNumber:
        if String(cString: number.objCType) == "c" { return number.boolValue ? "yes" : "no" }
        return number.stringValue
    case let list as [Any]: return list.isEmpty ? "none" : list.map { text($0) }.joined(separator: ", ")
    case let object as [String: Any]: return "(" + object.keys.sorted().map { "\($0) \(text(object[$0]))" }.joined(separator: ", ") + ")"
    default: return "\(value!)"
    }
}
