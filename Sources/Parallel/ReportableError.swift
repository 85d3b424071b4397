/// An error whose `description` is a complete one-line message for the user,
/// `<where>: <what is wrong>, <what to do>`; the command line prints it after `error: ` on rank 0.
public protocol ReportableError: Error, CustomStringConvertible {}

extension ParallelError: ReportableError {}
extension PeerFailure: ReportableError {}
