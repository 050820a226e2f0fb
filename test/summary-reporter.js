// Prints one plain closing line, "N passed, N failed, N skipped", as the very last line of a jest run,
// so CI logs (and tools that read a run's last line) see the counts in a runner-neutral form.
// Jest's own summary is written after the reporters' onRunComplete, hence the exit hook.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails to load runs no test; it still counts as a failure.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
    process.once("exit", () => process.stderr.write(`\n${line}\n`));
  }
}
module.exports = SummaryReporter;
