// NotebookExecutor: runs a written notebook in place with nbclient under Debian's /usr/bin/python3
// (the python3 on PATH may be another interpreter without Debian's python3-* packages), so the
// notebook reads with its tables and charts without a kernel. The connection string travels in the
// child's environment only (DATABASE_URL): the notebook's text never holds it or its password.

import Foundation
import LocalPostgres
import PostgresClient

public enum NotebookExecutor {
    public static let python = "/usr/bin/python3"

    public enum Outcome: Equatable, Sendable {
        case executed
        /// Not run, and why (a missing module, no python, a cell that failed).
        case notExecuted(String)
    }

    /// Exit status of the script below when a module is missing (not a failing cell).
    static let missingModuleStatus: Int32 = 3

    static let script = """
        import os, sys
        try:
            import nbformat
            from nbclient import NotebookClient
            import ipykernel, psycopg2, pandas, matplotlib
        except ImportError as error:
            print(f"missing Python module {error.name} (Debian package python3-{error.name})")
            sys.exit(3)
        path = sys.argv[1]
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": os.path.dirname(path)}}).execute()
        nbformat.write(notebook, path)
        """

    /// Executes the notebook at `path` against `conninfo`; on failure the file is left as it was.
    public static func execute(notebookAt path: URL, conninfo: String) -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return .notExecuted("\(python) was not found (install python3 and python3-nbclient).")
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tc-notebook-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = conninfo
        // /usr/bin first: a kernelspec naming plain `python3` then finds Debian's interpreter.
        environment["PATH"] = "/usr/bin:/bin:" + (environment["PATH"] ?? "")
        // matplotlib's inline backend is what turns plt.show() into an image output.
        environment["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        environment.removeValue(forKey: "PYTHONPATH")
        // Execute a copy, so a failing cell never leaves a half-run notebook behind.
        let scratch = path.deletingLastPathComponent().appendingPathComponent(".\(path.lastPathComponent).running")
        do {
            try? FileManager.default.removeItem(at: scratch)
            try FileManager.default.copyItem(at: path, to: scratch)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let status = try ChildProcess.run([python, "-c", script, scratch.path], environment: environment, outputPath: log.path)
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            guard status == 0 else {
                let last = output.split(separator: "\n").suffix(3).joined(separator: " ")
                let reason = status == missingModuleStatus ? last : "a cell failed (\(last))"
                // libpq's messages name host and user, never the password; redact anyway.
                return .notExecuted(ConnectionString.redact(reason, conninfo: conninfo))
            }
            // rename(2): a reader sees the old notebook or the run one, never a partial file
            guard rename(scratch.path, path.path) == 0 else {
                return .notExecuted("could not replace \(path.lastPathComponent): \(String(cString: strerror(errno)))")
            }
            return .executed
        } catch {
            return .notExecuted("could not run \(python): \(error)")
        }
    }
}
