/// A trace read record by record, every thread's in the order the file holds them.
public protocol TraceRecordSource: AnyObject {
    /// Writes the next record and returns true, or returns false at the clean end of the trace.
    /// - Throws: `WorkloadError` for malformed, truncated or corrupt input.
    func nextRecord(into record: inout TraceRecord) throws(WorkloadError) -> Bool
}
