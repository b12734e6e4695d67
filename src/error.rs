//! Why a command could not do its job: exit code 2 and one plain sentence (SPEC §4). The
//! library says which kind of failure it was; the command line prints the sentence.

/// A failure that stops a command (not a finding: findings are about the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// An input (table, layer, baseline, configuration) cannot be read or used.
    Input(String),
    /// A git revision, or a file at it, cannot be read.
    Git(String),
    /// The command line asks for something the table does not have or that cannot be done
    /// (an unknown origin, rule or failure id, a format that does not fit the command).
    Usage(String),
    /// A report cannot be written.
    Output(String),
}

impl Error {
    /// The sentence, whatever the kind.
    pub fn sentence(&self) -> &str {
        match self {
            Error::Input(s) | Error::Git(s) | Error::Usage(s) | Error::Output(s) => s,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sentence())
    }
}

impl std::error::Error for Error {}
