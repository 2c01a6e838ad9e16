/// A bad-input problem found by a command itself (exit code 2).
struct InputError: Error {
    let message: String
}
