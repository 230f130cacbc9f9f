import ArgumentParser
import Foundation
import ThroughcareCore

struct ContractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Print the extract contract (files, columns, types, rules) as ingest checks it.",
        discussion: "--markdown prints docs/contract.md, which is generated from the contract in ThroughcareCore: "
            + "throughcare contract --markdown > docs/contract.md")

    @Flag(help: "Print the contract's tables as Markdown (the text of docs/contract.md).")
    var markdown = false

    func run() throws {
        if markdown {
            print(ExtractContract.markdown(), terminator: "")
            return
        }
        for entity in ExtractContract.entities {
            print("\(entity.entity.csvFileName) (key \(entity.key.joined(separator: ", ")))")
            for column in entity.columns {
                let presence = column.required ? "required" : (column.defaultValue.map { "default \($0)" } ?? "optional")
                let reference = column.references.map { " → \($0.csvFileName)" } ?? ""
                print("  \(column.name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(column.type.contractName.padding(toLength: 10, withPad: " ", startingAt: 0)) \(presence)\(reference)")
            }
        }
    }
}
