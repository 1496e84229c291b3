//! Showing bytes to a human, and making bytes to send.

use std::fmt;

/// How many bytes [`bytes`] prints before it summarises the rest.
pub const SHOWN_BYTES: usize = 64;

/// Displays bytes the way Rust writes a byte string: printable ASCII as it
/// is, everything else escaped (`\n`, `\"`, `\xff`). Any bytes at all can be shown
/// this way, so non-UTF-8 data never causes a panic or a garbled terminal.
/// Long data is cut after [`SHOWN_BYTES`] bytes, with a count of the rest.
pub fn bytes(data: &[u8]) -> Bytes<'_> {
    Bytes(data)
}

/// See [`bytes`].
pub struct Bytes<'a>(&'a [u8]);

impl fmt::Display for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(SHOWN_BYTES)];
        f.write_str("\"")?;
        for &byte in shown {
            match byte {
                b'"' => f.write_str("\\\"")?,
                b'\\' => f.write_str("\\\\")?,
                b'\n' => f.write_str("\\n")?,
                b'\r' => f.write_str("\\r")?,
                b'\t' => f.write_str("\\t")?,
                b' '..=b'~' => write!(f, "{}", byte as char)?,
                _ => write!(f, "\\x{byte:02x}")?,
            }
        }
        f.write_str("\"")?;
        let rest = self.0.len() - shown.len();
        if rest > 0 {
            write!(f, " and {rest} more bytes")?;
        }
        Ok(())
    }
}

/// `size` bytes of binary test data: the byte values 0, 1, …, 255 over and
/// over. It is not valid UTF-8, so it shows that the programs move bytes, not
/// text, and a shifted or dropped byte is easy to spot.
pub fn test_data(size: usize) -> Vec<u8> {
    (0..size).map(|index| (index % 256) as u8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printable text is shown as it is, in quotes.
    #[test]
    fn shows_text_plainly() {
        assert_eq!(bytes(b"hello, world").to_string(), "\"hello, world\"");
    }

    /// Control characters, quotes and non-ASCII bytes are escaped.
    #[test]
    fn escapes_everything_else() {
        assert_eq!(bytes(b"a\n\"\\'\xff\x00").to_string(), r#""a\n\"\\'\xff\x00""#);
    }

    /// Long data is cut, and the rest is counted.
    #[test]
    fn cuts_long_data() {
        let shown = bytes(&[b'x'; 100]).to_string();
        assert_eq!(shown, format!("\"{}\" and 36 more bytes", "x".repeat(64)));
    }

    /// Test data cycles through every byte value.
    #[test]
    fn test_data_cycles() {
        let data = test_data(300);
        assert_eq!(data.len(), 300);
        assert_eq!(&data[..3], &[0, 1, 2]);
        assert_eq!(data[255], 255);
        assert_eq!(data[256], 0);
        assert!(std::str::from_utf8(&data).is_err());
    }
}
