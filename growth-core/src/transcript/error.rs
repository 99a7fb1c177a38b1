//! Why a transcript could not be read.

use super::TranscriptFormat;

/// Why a transcript could not be read: which format was tried and where it failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is empty or whitespace only.
    #[error("the transcript is empty")]
    Empty,
    /// The input is not UTF-8.
    #[error("the transcript is not UTF-8: invalid byte at offset {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence in the input as given (a BOM counts).
        offset: usize,
    },
    /// The input is UTF-8 but holds a NUL character: binary data, not a transcript.
    #[error("the transcript looks like binary data: NUL byte at offset {offset}")]
    Binary {
        /// Byte offset of the first NUL in the input as given.
        offset: usize,
    },
    /// The input cannot be read as `format`.
    #[error("not a valid {format} transcript{}: {message}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Malformed {
        /// The format that was tried.
        format: TranscriptFormat,
        /// The 1-based line it failed on, when known.
        line: Option<usize>,
        /// What is wrong, for a person to read.
        message: String,
    },
    /// The input was read as `format` but holds no words.
    #[error("the {format} transcript contains no words")]
    NoWords {
        /// The format that was read.
        format: TranscriptFormat,
    },
    /// Parsing was cancelled through its [`CancelFlag`](crate::ingest::CancelFlag).
    #[error("{0}")]
    Cancelled(#[from] crate::ingest::Cancelled),
}

impl ParseError {
    /// A [`ParseError::Malformed`] at a 1-based line.
    pub(super) fn at(format: TranscriptFormat, line: usize, message: impl Into<String>) -> Self {
        Self::Malformed { format, line: Some(line), message: message.into() }
    }

    /// A [`ParseError::Malformed`] that concerns no particular line.
    pub(super) fn malformed(format: TranscriptFormat, message: impl Into<String>) -> Self {
        Self::Malformed { format, line: None, message: message.into() }
    }

    /// The format that was tried, when the failure concerns one.
    pub fn format(&self) -> Option<TranscriptFormat> {
        match self {
            Self::Malformed { format, .. } | Self::NoWords { format } => Some(*format),
            Self::Empty | Self::NotUtf8 { .. } | Self::Binary { .. } | Self::Cancelled(_) => None,
        }
    }

    /// The 1-based line the failure was found on, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Malformed { line, .. } => *line,
            _ => None,
        }
    }
}

impl From<ParseError> for crate::Error {
    /// `InvalidInput` in the `transcript` field, except a cancelled parse, which is `Transient`.
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::Cancelled(c) => c.into(),
            e => crate::Error::invalid_field("transcript", e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_transcript_names_the_format_and_the_line() {
        let e = ParseError::at(TranscriptFormat::Srt, 7, "invalid cue timing `x --> y`");
        assert_eq!(e.to_string(), "not a valid srt transcript (line 7): invalid cue timing `x --> y`");
        assert_eq!(e.format(), Some(TranscriptFormat::Srt));
        assert_eq!(e.line(), Some(7));
        let e = ParseError::malformed(TranscriptFormat::PodcastJson, "no `segments`");
        assert_eq!(e.to_string(), "not a valid podcast_json transcript: no `segments`");
    }

    #[test]
    fn the_library_error_is_invalid_input_in_the_transcript_field() {
        let e: crate::Error = ParseError::NotUtf8 { offset: 3 }.into();
        assert_eq!(e.to_string(), "invalid input in `transcript`: the transcript is not UTF-8: invalid byte at offset 3");
    }
}
