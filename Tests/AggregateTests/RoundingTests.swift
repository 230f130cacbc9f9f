import Aggregate
import Foundation
import TestSupport
import XCTest

/// metrics.md, round_counts_to: an official run's published numerators and denominators are
/// rounded to the multiple for disclosure; metrics.rates keeps the exact counts, and the published
/// rates, intervals, bands and suppression are those of the exact counts.
final class RoundingTests: AggregateTestCase {
    func testPublishedCountsAreMultiplesAndRatesComeFromExactCounts() throws {
        try load(fixture: "suppression")
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true, overrides: ["round_counts_to": "5"])
        XCTAssertEqual(try value("select parameters ->> 'round_counts_to' from metrics.runs where run_id = \(run)"), "5")

        XCTAssertEqual(try value("""
            select count(*) from published.rates_cells
            where run_id = \(run) and (numerator % 5 <> 0 or denominator % 5 <> 0)
            """), "0", "every shown count is a multiple of 5")
        XCTAssertNotEqual(try value("select count(*) from metrics.rates where run_id = \(run) and (numerator % 5 <> 0 or denominator % 5 <> 0)"), "0",
                          "the fixture has counts that need rounding")

        // SCC id_on_release: exact 7/10 in metrics.rates, published 5/10 with the exact rate and interval
        let exact = try rows("""
            select numerator::text, denominator::text, rate, ci_low, ci_high, band from metrics.rates
            where run_id = \(run) and scope_type = 'establishment' and scope_id = 'SCC' and metric = 'id_on_release'
            """)
        XCTAssertEqual(exact.first?[0], "7")
        XCTAssertEqual(exact.first?[1], "10")
        let published = try rows("""
            select numerator::text, denominator::text, rate, ci_low, ci_high, band from published.rates_cells
            where run_id = \(run) and scope_type = 'establishment' and scope_id = 'SCC' and metric = 'id_on_release'
            """)
        XCTAssertEqual(published.first.map { Array($0[0...1]) }, ["5", "10"])
        XCTAssertEqual(published.first.map { Array($0[2...5]) }, exact.first.map { Array($0[2...5]) }, "rate, interval and band from the exact counts")

        // suppression is decided on exact counts: SAA's 9 would round to 10 but stays primary
        XCTAssertEqual(try value("""
            select suppressed from published.rates_cells
            where run_id = \(run) and scope_type = 'establishment' and scope_id = 'SAA' and metric = 'id_on_release'
            """), "primary")
        XCTAssertEqual(try value("""
            select count(*) from published.rates_cells as p
            join metrics.rates as r using (run_id, scope_type, scope_id, period_start, metric)
            where p.run_id = \(run) and p.suppressed is null and (p.rate is distinct from r.rate or p.ci_low is distinct from r.ci_low)
            """), "0", "no published rate or interval differs from the exact one")
    }

    func testDefaultIsNoRoundingAndZeroIsRefused() throws {
        try load(fixture: "suppression")
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true)
        XCTAssertEqual(try value("select parameters ->> 'round_counts_to' from metrics.runs where run_id = \(run)"), "1")
        XCTAssertEqual(try value("""
            select count(*) from published.rates_cells as p
            join metrics.rates as r using (run_id, scope_type, scope_id, period_start, metric)
            where p.run_id = \(run) and p.suppressed is null and (p.numerator <> r.numerator or p.denominator <> r.denominator)
            """), "0", "round_counts_to = 1 publishes exact counts")
        XCTAssertThrowsError(try aggregate(from: "2024-01-01", to: "2024-04-01", official: true, overrides: ["round_counts_to": "0"])) { error in
            XCTAssertTrue("\(error)".contains("round_counts_to"), "\(error)")
        }
    }
}
